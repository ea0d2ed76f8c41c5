import Foundation
import Hummingbird
import Logging
import SluiceAMQP
import SluiceContracts
import SluiceJobs

/// `POST /api/v1/jobs/{id}/cancel` (stop a queued or running job at the next stage
/// boundary) and `POST /api/v1/jobs/{id}/retry` (run a failed job again from the stage
/// that failed, reusing what the earlier stages produced; from the stage before when
/// the failed stage set its input aside as damaged).
struct JobControlRoutes: Sendable {
    let history: JobHistory
    let store: JobStore
    let artifacts: ArtifactStore
    let publisher: AMQPPublisher
    let topology: SluiceTopology
    let logger: Logger

    func register(on router: Router<GatewayRequestContext>) {
        router.post("api/v1/jobs/:id/cancel") { _, context in try await self.cancel(try await history.jobID(context), by: context.apiKey?.name) }
        router.post("api/v1/jobs/:id/retry") { _, context in try await self.retry(try await history.jobID(context)) }
    }

    func cancel(_ jobID: UUID, by who: String?) async throws -> ControlAnswer {
        switch try await store.cancel(jobID, by: who) {
        case .unknownJob: throw GatewayError.jobNotFound(jobID.uuidString.lowercased())
        case .notAllowed(let status): throw GatewayError.conflict("job_finished", "job \(jobID.uuidString.lowercased()) is already \(status.rawValue)")
        case .done: return ControlAnswer(jobID: jobID.uuidString.lowercased(), status: "cancelled", stage: nil, attempt: nil)
        }
    }

    func retry(_ jobID: UUID) async throws -> EditedResponse<ControlAnswer> {
        let artifacts = artifacts
        let (outcome, plan) = try await store.prepareRetry(jobID) { artifacts.retryStart(failedAt: $0, jobID: jobID) }
        switch outcome {
        case .unknownJob: throw GatewayError.jobNotFound(jobID.uuidString.lowercased())
        case .notAllowed(let status):
            throw GatewayError.conflict("job_not_failed", "job \(jobID.uuidString.lowercased()) is \(status.rawValue); only failed jobs are retried")
        case .done: break
        }
        guard let plan else { throw GatewayError.conflict("job_not_failed", "job \(jobID.uuidString.lowercased()) cannot be retried") }
        do {
            try await publisher.publish(plan.message, topology: topology)
        } catch {
            logger.error("the broker did not take a retry; the job stays failed", metadata: ["job_id": "\(jobID)", "error": "\(error)"])
            try await store.abandonRetry(plan)
            throw GatewayError.unavailable("the message broker did not accept the retry; the job is failed as before, try again")
        }
        return EditedResponse(
            status: .accepted,
            headers: [.location: JobLinks.job(jobID)],
            response: ControlAnswer(jobID: jobID.uuidString.lowercased(), status: "queued", stage: plan.message.stage.rawValue, attempt: plan.message.attempt)
        )
    }

    /// The answer to a cancel or a retry.
    struct ControlAnswer: ResponseEncodable {
        let jobID: String
        let status: String
        /// For a retry: the stage that runs again, and its attempt number.
        let stage: String?
        let attempt: Int?
        enum CodingKeys: String, CodingKey { case jobID = "job_id", status, stage, attempt }
    }
}
