import Foundation
import Logging
import ServiceLifecycle
import SluiceAMQP
import SluiceClient
import SluiceContracts
import SluiceCore
import SluiceJobs
import SluiceTestSupport
import Testing

/// Cancelling and retrying jobs over HTTP, with no worker running: the job's row and
/// the queue show the effect.
@Suite struct JobControlTests {
    static let body = Data(#"{"data": [{"id": 1, "value": 2, "category": "A"}, {"id": 2, "value": 4, "category": "B"}]}"#.utf8)

    @Test func aQueuedJobIsCancelledOnce() async throws {
        try await TestPipeline.run(.gatewayOnly) { pipeline in
            let id = try #require(try await pipeline.client.submit(Self.body, contentType: "application/json").object()?["job_id"] as? String)
            let cancelled = try await pipeline.client.cancel(id)
            #expect(cancelled.status == 200 && cancelled.object()?["status"] as? String == "cancelled", "\(cancelled.text)")
            let job = try #require(try await pipeline.client.job(id).object())
            #expect(job["status"] as? String == "cancelled" && job["error"] as? String == "cancelled by tests")
            let again = try await pipeline.client.cancel(id)
            #expect(again.status == 409 && again.error?.error.code == "job_finished")
            #expect(try await pipeline.client.cancel(UUID().uuidString).status == 404)
            let retried = try await pipeline.client.retry(id)
            #expect(retried.status == 409 && retried.error?.error.code == "job_not_failed")
        }
    }

    @Test func aFailedJobIsRetriedFromTheStageThatFailed() async throws {
        try await TestPipeline.run(.gatewayOnly) { pipeline in
            let answer = try await pipeline.client.submit(Self.body, contentType: "application/json")
            let text = try #require(answer.object()?["job_id"] as? String)
            let id = try #require(UUID(uuidString: text))
            // The normalize stage fails the job, as a worker does through the same store.
            let store = JobStore(pool: pipeline.pool)
            let submitted = try await pipeline.pool.withConnection { try $0.query("SELECT submitted_at FROM jobs WHERE job_id = \(id)").single().decode("submitted_at", as: Date.self) }
            let normalize = StageMessage(jobID: id, stage: .normalize, traceID: "t", submittedAt: submitted)
            guard case .run = try await store.beginAttempt(normalize, worker: "test-worker") else { Issue.record("the stage was not admitted"); return }
            try await store.failJob(normalize, cause: .gpuError, error: "device lost")
            #expect(try await pipeline.client.job(id.uuidString).object()?["status"] as? String == "failed")

            let retried = try await pipeline.client.retry(id.uuidString)
            #expect(retried.status == 202, "\(retried.text)")
            #expect(retried.object()?["stage"] as? String == "normalize" && retried.object()?["attempt"] as? Int == 2)
            let job = try #require(try await pipeline.client.job(id.uuidString).object())
            #expect(job["status"] as? String == "queued" && job["error"] == nil && job["failed_stage"] == nil)

            // The retry is on the normalize queue, as attempt 2.
            let consumer = AMQPConsumer(configuration: pipeline.amqp, queue: pipeline.topology.queue(.normalize), logger: TestDatabase.logger)
            let group = ServiceGroup(services: [consumer], gracefulShutdownSignals: [], cancellationSignals: [], logger: TestDatabase.logger)
            let message = try await whileRunning([group]) {
                try await withTimeout(.seconds(20), waitingFor: "the retry on the normalize queue") {
                    var deliveries = consumer.deliveries.makeAsyncIterator()
                    let delivery = try #require(await deliveries.next())
                    try delivery.ack()
                    return try StageMessage.decode(delivery.body)
                }
            }
            #expect(message.jobID == id && message.stage == .normalize && message.attempt == 2)
            #expect(try await pipeline.client.retry(id.uuidString).status == 409)
        }
    }
}
