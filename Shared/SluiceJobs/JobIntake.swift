import Foundation
import Logging
import SluiceContracts
import SluiceCore
import SluiceRecords

/// How jobs enter the pipeline, whichever way they are submitted (HTTP, a script on
/// the submit exchange): the job's row, its raw input artifact, and the message for
/// the first stage. Safe to repeat: the same idempotency key gives the same job, and
/// the input is written only for a new job (or one whose input is missing), so a
/// repeat never replaces the input of a job already under way.
public struct JobIntake: Sendable {
    /// A job that was admitted: new, or the existing one with the same key.
    public struct Admitted: Sendable {
        public let jobID: UUID
        public let submittedAt: Date
        /// Whether this call created the job (false: an idempotent repeat).
        public let created: Bool
        /// The message that starts the job: publish it to the validate queue.
        public let message: StageMessage
    }

    private let store: JobStore
    private let artifacts: ArtifactStore
    private let files: BlockingThreadPool

    /// Creates an intake; `files` writes the input artifacts, off Swift's cooperative pool.
    public init(store: JobStore, artifacts: ArtifactStore, files: BlockingThreadPool) {
        self.store = store
        self.artifacts = artifacts
        self.files = files
    }

    /// Creates the job and stores `input` as its raw input in `format`. If the input
    /// cannot be written, a job created here is removed again before the error is thrown.
    public func admit(_ job: JobStore.NewJob, input: Data, format: SubmissionFormat) async throws -> Admitted {
        let created = try await store.createJob(job)
        let artifacts = artifacts
        let jobID = created.jobID
        do {
            try await files.run {
                if created.created || !InputArtifact.exists(jobID, in: artifacts) {
                    try artifacts.write(input, jobID, InputArtifact.name(format))
                }
            }
        } catch {
            if created.created { try? await withdraw(jobID) }
            throw error
        }
        return Admitted(
            jobID: jobID,
            submittedAt: created.submittedAt,
            created: created.created,
            message: StageMessage(jobID: jobID, stage: .validate, traceID: created.traceID, submittedAt: created.submittedAt)
        )
    }

    /// Reads and checks a submission (``BatchCheck``) on the intake's thread, off Swift's
    /// cooperative pool. A body naming an `input_uri` has its file located in `owner`'s
    /// input folder, not read.
    public func check(
        _ body: [UInt8], format: SubmissionFormat, config: ProcessingConfig, limits: SubmissionLimits, owner: String
    ) async throws -> BatchCheck {
        let artifacts = artifacts
        return try await files.run {
            try BatchCheck.check(body, format: format, config: config, limits: limits, artifacts: artifacts, owner: owner, readingInputURI: false)
        }
    }

    /// Writes the records that `check` read as the validated columns of a job that
    /// ``admit(_:input:format:)`` created, so that the validator reads none of its input
    /// again. Not fatal: without them the validator checks the stored input itself.
    public func writeChecked(_ check: BatchCheck, for admitted: Admitted, logger: Logger) async {
        guard admitted.created else { return }
        let (artifacts, jobID) = (artifacts, admitted.jobID)
        do {
            try await files.run { try ValidatedArtifacts.write(check.batch, jobID: jobID, artifacts: artifacts) }
        } catch {
            logger.warning("the checked records were not written; the validator will read the input", metadata: [
                "job_id": "\(jobID.uuidString.lowercased())", "error": "\(error)",
            ])
        }
    }

    /// The job's status, or nil for an unknown job.
    public func status(of jobID: UUID) async throws -> JobStatus? {
        try await store.status(of: jobID)
    }

    /// Removes a job created by ``admit(_:input:format:)`` that never started (its first
    /// message could not be published): its row and its artifacts, as if it had not
    /// been submitted. A job that some stage has begun is left alone.
    public func withdraw(_ jobID: UUID) async throws {
        guard try await store.deleteUnstartedJob(jobID) else { return }
        let artifacts = artifacts
        try await files.run { try artifacts.removeAll(jobID) }
    }
}
