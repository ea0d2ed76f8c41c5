import Foundation
import Logging
import SluiceAMQP
import SluiceContracts
import SluiceCore
import SluiceJobs
import SluicePostgres
import SluiceRecords

/// The gateway's door: a request body becomes a job, or a refusal that stores nothing.
///
/// The body is parsed in the format its `Content-Type` names and every record is
/// checked (the validator's own rules and the job's `on_invalid` policy), off Swift's
/// cooperative pool; only then are the job's row and raw input stored, the checked
/// records written as the job's validated columns (``ValidatedArtifacts``, so the
/// validator does not parse the body again), and its first message published with a
/// confirm. If the broker does not confirm, the job is withdrawn again and the request
/// answered 503. A body that names its records' file (`input_uri`) has the file's name,
/// place and size checked here and its content by the validator, which reads it.
struct JobSubmitter: Sendable {
    /// A job that the gateway took.
    struct Accepted: Sendable {
        let jobID: UUID
        /// False when an `Idempotency-Key` named a job submitted before.
        let created: Bool
        /// Records in the submission, valid or not; nil for an `input_uri` file, which the validator counts.
        let records: Int?
        /// Invalid records that `on_invalid: drop` leaves out.
        let dropped: Int
    }

    /// What a request brings.
    struct Request: Sendable {
        var body: [UInt8]
        var contentType: String?
        /// Query parameters that configure the job (for NDJSON and CSV bodies).
        var configParameters: [String: String]
        var idempotencyKey: String?
        /// The API key's name; idempotency keys are scoped to it and its owner.
        var submittedBy: String?
        /// The job's owner (``JobOwner``): its `input_uri` is looked up in the owner's input folder.
        var owner: String
    }

    let intake: JobIntake
    let publisher: AMQPPublisher
    let topology: SluiceTopology
    let limits: SubmissionLimits
    let logger: Logger

    /// The longest `Idempotency-Key` accepted.
    static let maxIdempotencyKeyLength = 255

    func submit(_ request: Request) async throws -> Accepted {
        if let key = request.idempotencyKey {
            guard !key.isEmpty, key.count <= Self.maxIdempotencyKeyLength, key.unicodeScalars.allSatisfy({ (0x21...0x7E).contains($0.value) }) else {
                throw GatewayError.invalidParameter("Idempotency-Key", "must be 1 to \(Self.maxIdempotencyKeyLength) visible ASCII characters")
            }
        }
        guard let contentType = request.contentType else {
            throw SubmissionError(
                code: .unsupportedContentType,
                message: "the request has no Content-Type; send application/json, application/x-ndjson or text/csv"
            )
        }
        let format = try SubmissionFormat(contentType: contentType)
        let config: ProcessingConfig
        if format == .json {
            if let key = request.configParameters.keys.sorted().first {
                throw SubmissionError(code: .invalidConfig, message: "query parameter \(key): a JSON body carries its settings in processing_config", details: [
                    ErrorDetail(field: key, reason: "invalid_parameter", message: "put it in the body's processing_config"),
                ])
            }
            config = ProcessingConfig()
        } else {
            config = try ProcessingConfig(parameters: request.configParameters)
        }

        let check = try await intake.check(request.body, format: format, config: config, limits: limits, owner: request.owner)
        if let rejection = check.rejection { throw rejection }

        let admitted = try await intake.admit(
            .init(
                source: .http,
                config: try PostgresJSON(check.config),
                recordCount: check.records,
                // Scoped to the submitting key and its owner: one client cannot reach another's
                // job by guessing its key, nor by a revoked key's name given to another owner's key.
                idempotencyKey: request.idempotencyKey.map { "http:\(request.owner):\(request.submittedBy ?? ""):\($0)" },
                traceID: UUID().uuidString.lowercased(),
                submittedBy: request.submittedBy,
                owner: request.owner
            ),
            input: Data(request.body),
            format: format
        )
        await intake.writeChecked(check, for: admitted, logger: logger)
        // A repeat of a job that never started may be one whose first publish was lost
        // (the gateway died between storing and publishing): publish again. A duplicate
        // message is harmless; stages recognise a repeat.
        let unstarted = admitted.created ? true : (try await intake.status(of: admitted.jobID) == .queued)
        if unstarted {
            do {
                try await publisher.publish(admitted.message, topology: topology)
            } catch {
                logger.error("the broker did not take a new job; withdrawing it", metadata: ["job_id": "\(admitted.jobID)", "error": "\(error)"])
                if admitted.created { try? await intake.withdraw(admitted.jobID) }
                throw GatewayError.unavailable("the message broker did not accept the job, so nothing was stored; try again")
            }
        }
        logger.info(admitted.created ? "job accepted" : "job submitted again", metadata: [
            "job_id": "\(admitted.jobID.uuidString.lowercased())", "trace_id": "\(admitted.message.traceID)",
            "job.records": "\(check.records.map(String.init) ?? "in input_uri")", "job.dropped": "\(check.dropped)",
        ])
        return Accepted(jobID: admitted.jobID, created: admitted.created, records: check.records, dropped: check.dropped)
    }
}
