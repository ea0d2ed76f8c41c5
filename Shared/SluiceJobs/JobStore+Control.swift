import Foundation
import SluiceContracts
import SluicePostgres

extension JobStore {
    /// What ``cancel(_:by:)`` and ``prepareRetry(_:)`` found.
    public enum ControlOutcome: Sendable, Equatable {
        /// Done: for a retry, publish ``JobStore/RetryPlan/message``.
        case done
        /// No such job.
        case unknownJob
        /// The job is in a status that does not allow it (cancel: already final; retry: not failed).
        case notAllowed(JobStatus)
    }

    /// Cancels a queued or running job: no stage starts for it any more, and a stage
    /// at work finishes but its hand-off is ignored at the next stage boundary.
    public func cancel(_ jobID: UUID, by who: String?) async throws -> ControlOutcome {
        try await pool.withTransaction { db in
            guard let row = try db.query("SELECT status FROM jobs WHERE job_id = \(jobID) FOR UPDATE").first else { return .unknownJob }
            let status = JobStatus(rawValue: try row.decode("status")) ?? .failed
            guard !status.isFinal else { return .notAllowed(status) }
            try db.execute("""
                UPDATE jobs SET status = 'cancelled', finished_at = now(), error = \("cancelled by \(who ?? "an operator")")
                WHERE job_id = \(jobID)
                """)
            try Self.announce(db, jobID, status: .cancelled, stage: nil)
            return .done
        }
    }

    /// A failed job made ready to run again from the stage that failed.
    public struct RetryPlan: Sendable {
        /// Publish this: the failed stage, with the next attempt number.
        public let message: StageMessage
        /// What to restore with ``abandonRetry(_:)`` if the message cannot be published.
        let failedStage: Stage
        let error: String?
        let finishedAt: Date?
    }

    /// Puts a failed job back to `queued`, keeping what the earlier stages produced;
    /// returns the message that runs the stage `start` picks (the stage that failed, or
    /// an earlier one, see ``ArtifactStore/retryStart(failedAt:jobID:)``) as its next
    /// attempt, or why not.
    public func prepareRetry(_ jobID: UUID, start: @escaping @Sendable (Stage) -> Stage = { $0 }) async throws -> (ControlOutcome, RetryPlan?) {
        try await pool.withTransaction { db in
            guard let row = try db.query("""
                SELECT job_id, status, failed_stage, error, finished_at, submitted_at, trace_id FROM jobs WHERE job_id = \(jobID) FOR UPDATE
                """).first else { return (.unknownJob, nil) }
            let status = JobStatus(rawValue: try row.decode("status")) ?? .failed
            guard status == .failed, let failedStage = Stage(rawValue: try row.decode("failed_stage", as: String?.self) ?? "") else {
                return (.notAllowed(status), nil)
            }
            let stage = start(failedStage)
            let attempt = try db.query("""
                SELECT coalesce(max(attempt), 0) + 1 AS next FROM stage_attempts WHERE job_id = \(jobID) AND stage = \(stage.rawValue)
                """).single().decode("next", as: Int.self)
            try db.execute("""
                UPDATE jobs SET status = 'queued', failed_stage = NULL, error = NULL, finished_at = NULL WHERE job_id = \(jobID)
                """)
            try Self.announce(db, jobID, status: .queued, stage: stage)
            let message = try StageMessage(row, stage: stage, attempt: attempt)
            return (.done, RetryPlan(message: message, failedStage: failedStage, error: try row.decode("error"), finishedAt: try row.decode("finished_at")))
        }
    }

    /// Puts a job whose retry message could not be published back to how it failed.
    public func abandonRetry(_ plan: RetryPlan) async throws {
        try await pool.withConnection { db in
            _ = try db.execute("""
                UPDATE jobs SET status = 'failed', failed_stage = \(plan.failedStage.rawValue), error = \(plan.error),
                    finished_at = \(plan.finishedAt)
                WHERE job_id = \(plan.message.jobID) AND status = 'queued'
                """)
        }
    }
}
