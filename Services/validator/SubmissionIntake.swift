import Foundation
import Logging
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
///
/// The job's owner is the message's `user_id` property: RabbitMQ refuses a message whose
/// `user_id` is not the user that published it, so a script cannot claim another
/// owner's jobs or input folder. Without one, the job is ``JobOwner/standard``'s.
///
/// The body is read and checked once, here, as the gateway checks a request's
/// (``BatchCheck``): its records go on as the job's validated columns and the validate
/// stage only reports them. A submission the check refuses (invalid records under
/// `on_invalid: reject`, an `input_uri` file that is not there) still becomes a job,
/// which the validate stage fails with the located reason, since a script has no
/// request to answer.
struct SubmissionIntake: MessageIntake {
    let intake: JobIntake
    let limits: SubmissionLimits
    let logger: Logger

    /// The idempotency fields a script may put in the body.
    private struct Identity: Decodable {
        let jobID: String?
        let messageID: String?
        enum CodingKeys: String, CodingKey { case jobID = "job_id", messageID = "message_id" }
    }

    func admit(_ delivery: AMQPDelivery) async throws -> StageMessage {
        let owner = delivery.properties.userID ?? JobOwner.standard
        guard JobOwner.isValid(owner) else {
            throw StageError(.invalidData, "the message's user_id \"\(owner)\" cannot own jobs: an owner is \(JobOwner.rule)")
        }
        let check = try? await intake.check(delivery.body, format: .json, config: ProcessingConfig(), limits: limits, owner: owner)
        let (config, records): (ProcessingConfig, Int?)
        if let check {
            (config, records) = (check.config, check.records)
        } else {
            let submission: Submission
            do { submission = try SubmissionParser(limits: limits).parse(delivery.body, format: .json) } catch {
                throw StageError(.invalidData, "a submission that cannot be read: \(error.message)")
            }
            (config, records) = (submission.config, submission.inputURI == nil ? submission.records.count : nil)
        }
        let identity = try? JSONDecoder().decode(Identity.self, from: Data(delivery.body))
        let key = delivery.properties.messageID ?? identity?.messageID ?? identity?.jobID
        let admitted = try await intake.admit(
            .init(
                jobID: identity?.jobID.flatMap(UUID.init(uuidString:)) ?? UUID(),
                source: .amqp,
                config: try PostgresJSON(config),
                recordCount: records,
                idempotencyKey: key.map { "amqp:\($0)" },
                traceID: delivery.properties.headers[MessageHeader.traceID]?.stringValue ?? UUID().uuidString.lowercased(),
                replyTo: delivery.properties.replyTo,
                correlationID: delivery.properties.correlationID,
                owner: owner
            ),
            input: Data(delivery.body),
            format: .json
        )
        if let check { await intake.writeChecked(check, for: admitted, logger: logger) }
        return admitted.message
    }
}
