import Foundation
import SluiceContracts
import SluiceJobs
import SluiceTestSupport
import SluiceWorker
import Synchronization
import Testing

/// The sweeper carries on what vanished workers left: a hand-off that was committed
/// but never published, and a lease that ran out on the stage's last attempt.
@Suite struct AttemptSweeperTests {
    @Test func aHandOffLostWithItsWorkerIsSentByTheSweeper() async throws {
        let finished = Mutex<StageMessage?>(nil)
        // The lease is also the hand-off's grace. Not shorter: the stages that run next
        // renew their leases every third of it, and on a loaded machine a 1 s lease ran
        // out between renewals, so that a stage ran twice.
        try await withPipeline(lease: .seconds(4), prepare: { pipeline in
            // A worker finished validate and committed, then died before publishing normalize's message.
            let message = try await claimValidate(pipeline, worker: "crashed", lease: .seconds(60))
            try pipeline.artifacts.write(Data("input\nvalidate".utf8), message.jobID, "validate.txt")
            let outcome = StageOutcome(recordsIn: 1, recordsOut: 2, device: "cpu", metrics: [])
            try await pipeline.store.completeAttempt(message, worker: "crashed", outcome: outcome)
            finished.withLock { $0 = message }
        }) { pipeline in
            let message = try #require(finished.withLock { $0 })
            try await pipeline.waitForCompletion(of: message.jobID)
            #expect(try await pipeline.history(of: message.jobID).status == "completed")
            let attempts = try await pipeline.attempts(of: message.jobID)
            #expect(attempts.map(\.stage) == ["validate", "normalize", "spark", "analyze"])
            #expect(attempts.allSatisfy { $0.outcome == "succeeded" && $0.attempt == 1 })
            #expect(try await pipeline.count("SELECT count(*) AS n FROM stage_attempts WHERE job_id = \(message.jobID) AND handed_off_at IS NULL") == 0)
            #expect(pipeline.completions(of: message.jobID) == 1)
        }
    }

    @Test func aLeaseRunningOutOnTheLastAttemptFailsTheJobAsWorkerLost() async throws {
        var policy = RetryPolicy()
        policy.maxAttempts[.workerLost] = 1
        let claimed = Mutex<StageMessage?>(nil)
        try await withPipeline(lease: .seconds(1), retryPolicy: policy, prepare: { pipeline in
            let message = try await claimValidate(pipeline, worker: "frozen", lease: .seconds(1))
            claimed.withLock { $0 = message }
        }) { pipeline in
            let message = try #require(claimed.withLock { $0 })
            try await pipeline.waitForCompletion(of: message.jobID)
            let history = try await pipeline.history(of: message.jobID)
            #expect(history.status == "failed" && history.failedStage == "validate")
            #expect(history.error?.contains("lease ran out on attempt 1") == true, "\(history.error ?? "-")")
            let attempts = try await pipeline.attempts(of: message.jobID)
            #expect(attempts.map(\.outcome) == ["failed"] && attempts.first?.errorCause == "worker_lost")
            let dead = try await pipeline.deadLetters(count: 1).first
            #expect(dead?.headers["x-sluice-cause"]?.stringValue == "worker_lost")
            #expect(dead?.headers["x-sluice-stage"]?.stringValue == "validate")
        }
    }

    /// A job whose validate attempt 1 `worker` claimed, with input "input".
    private func claimValidate(_ pipeline: Pipeline, worker: String, lease: Duration) async throws -> StageMessage {
        let job = try await pipeline.store.createJob(.init(
            source: .cli, config: .init(rawJSON: "{}"), recordCount: nil, idempotencyKey: nil, traceID: worker
        ))
        try pipeline.artifacts.write(Data("input".utf8), job.jobID, "input.txt")
        let message = StageMessage(jobID: job.jobID, stage: .validate, traceID: worker, submittedAt: job.submittedAt)
        #expect(try await pipeline.store.beginAttempt(message, worker: worker, lease: lease) == .run(config: .init(rawJSON: "{}"), attempt: 1, owner: JobOwner.standard))
        return message
    }
}
