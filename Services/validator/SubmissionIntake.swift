import Foundation
import SluiceAMQP
import SluiceContracts
import SluiceJobs
import SluicePostgres
import SluiceRecords
import SluiceWorker

/// Jobs that scripts publish straight onto the submit exchange: the same JSON body as
/// `POST /api/v1/jobs`, optionally with `job_id` / `message_id` (or the AMQP
/// `message_id` property) for idempotency and `reply_to` for the summary. The job row
/// is created here, with source `amqp`; publishing the same message id twice gives one job.
struct SubmissionIntake: MessageIntake {
    let intake: JobIntake
    let limits: SubmissionLimits

    /// The idempotency fields a script may put in the body.
    private struct Identity: Decodable {
        let jobID: String?
        let messageID: String?
        enum CodingKeys: String, CodingKey { case jobID = "job_id", messageID = "message_id" }
    }

    func admit(_ delivery: AMQPDelivery) async throws -> StageMessage {
        let submission: Submission
        do { submission = try SubmissionParser(limits: limits).parse(delivery.body, format: .json) } catch {
            throw StageError(.invalidData, "a submission that cannot be read: \(error.message)")
        }
        let identity = try? JSONDecoder().decode(Identity.self, from: Data(delivery.body))
        let key = delivery.properties.messageID ?? identity?.messageID ?? identity?.jobID
        let admitted = try await intake.admit(
            .init(
                jobID: identity?.jobID.flatMap(UUID.init(uuidString:)) ?? UUID(),
                source: .amqp,
                config: try PostgresJSON(submission.config),
                recordCount: submission.inputURI == nil ? submission.records.count : nil,
                idempotencyKey: key.map { "amqp:\($0)" },
                traceID: delivery.properties.headers["trace_id"]?.stringValue ?? UUID().uuidString.lowercased(),
                replyTo: delivery.properties.replyTo,
                correlationID: delivery.properties.correlationID
            ),
            input: Data(delivery.body),
            format: .json
        )
        return admitted.message
    }
}
