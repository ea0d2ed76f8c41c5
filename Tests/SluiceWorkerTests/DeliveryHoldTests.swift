import Foundation
import SluiceTestSupport
import Testing

/// A stage that runs past its delivery hold has its message acknowledged early, so
/// RabbitMQ's consumer timeout cannot cut it; its lease carries the job to the end.
@Suite struct DeliveryHoldTests {
    @Test func aStageRunningPastItsDeliveryHoldFreesItsMessageAndCompletesOnce() async throws {
        // One message per worker at a time. Job A's spark stage waits until job B's spark
        // stage has started, which only happens once A's message has been acknowledged.
        try await withPipeline(deliveryHold: .milliseconds(200), prefetch: 1) { pipeline in
            let gate = UUID().uuidString
            let waiting = try await pipeline.submit(input: "awaits:spark:\(gate)")
            let opening = try await pipeline.submit(input: "opens:spark:\(gate)")
            try await pipeline.waitForCompletion(of: waiting.jobID)
            try await pipeline.waitForCompletion(of: opening.jobID)

            for job in [waiting.jobID, opening.jobID] {
                let attempts = try await pipeline.attempts(of: job)
                #expect(attempts.map(\.stage) == ["validate", "normalize", "spark", "analyze"])
                #expect(attempts.allSatisfy { $0.outcome == "succeeded" && $0.attempt == 1 }, "\(attempts)")
                #expect(pipeline.completions(of: job) == 1)
                #expect(try await pipeline.count("SELECT count(*) AS n FROM job_results WHERE job_id = \(job)") == 1)
                #expect(try await pipeline.count("SELECT count(*) AS n FROM stage_attempts WHERE job_id = \(job) AND handed_off_at IS NULL") == 0)
            }
            let spark = try await pipeline.attempts(of: waiting.jobID).first { $0.stage == "spark" }
            let opened = try await pipeline.attempts(of: opening.jobID).first { $0.stage == "spark" }
            #expect(try #require(opened?.startedAt) < #require(spark?.finishedAt), "B's spark stage ran while A's held its worker")
        }
    }
}
