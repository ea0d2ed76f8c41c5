import Foundation
import Logging
import ServiceLifecycle
import SluiceAMQP
import SluiceContracts
import SluiceCore
import SluiceJobs
import SluicePostgres
import SluiceTestSupport
import SluiceWorker
import Synchronization
import Testing

/// The four stage runners over a real RabbitMQ and PostgreSQL, with ``EchoStage`` as every stage's logic.
@Suite struct StageRunnerTests {
    @Test func aJobPassesEveryStageOnceAndRepeatedMessagesChangeNothing() async throws {
        try await withPipeline { pipeline in
            let first = try await pipeline.submit(input: "input")
            try await pipeline.waitForCompletion(of: first.jobID)

            let attempts = try await pipeline.attempts(of: first.jobID)
            #expect(attempts.map(\.stage) == ["validate", "normalize", "spark", "analyze"])
            #expect(attempts.allSatisfy { $0.outcome == "succeeded" && $0.attempt == 1 && $0.device == "cpu" })
            #expect(attempts.map(\.recordsOut) == [2, 3, 4, 5])
            let history = try await pipeline.history(of: first.jobID)
            #expect(history.status == "completed" && history.hasResults)
            #expect(try pipeline.artifact(first.jobID, "analyze.txt") == "input\nvalidate\nnormalize\nspark\nanalyze")

            // Every stage's message again (a redelivery after a crash before the ack),
            // then a second job behind them as a barrier.
            for stage in Stage.allCases { try await pipeline.publish(first.message.handOff(to: stage)) }
            let second = try await pipeline.submit(input: "second")
            try await pipeline.waitForCompletion(of: second.jobID)

            #expect(try await pipeline.attempts(of: first.jobID) == attempts, "no attempt was added or changed")
            #expect(try await pipeline.count("SELECT count(*) AS n FROM job_results WHERE job_id = \(first.jobID)") == 1)
            #expect(try await pipeline.count("SELECT count(*) AS n FROM job_metrics WHERE job_id = \(first.jobID)") == 4)
            #expect(pipeline.completions(of: first.jobID) == 1, "completed was announced once")
        }
    }

    @Test func invalidDataFailsTheJobAtItsStageAndGoesNoFurther() async throws {
        try await withPipeline { pipeline in
            let job = try await pipeline.submit(input: "input\nfail:normalize")
            try await pipeline.waitForCompletion(of: job.jobID)

            let history = try await pipeline.history(of: job.jobID)
            #expect(history.status == "failed")
            #expect(history.failedStage == "normalize")
            #expect(history.error == "the input asks normalize to fail")
            let attempts = try await pipeline.attempts(of: job.jobID)
            #expect(attempts.map(\.stage) == ["validate", "normalize"])
            #expect(attempts.last?.outcome == "failed" && attempts.last?.errorCause == "invalid_data")
        }
    }

    @Test func aTransientFailureRunsTheStageAgainThroughTheRetryTier() async throws {
        try await withPipeline { pipeline in
            let job = try await pipeline.submit(input: "input\nflaky:spark:2")
            try await pipeline.waitForCompletion(of: job.jobID)

            #expect(try await pipeline.history(of: job.jobID).status == "completed")
            let spark = try await pipeline.attempts(of: job.jobID).filter { $0.stage == "spark" }
            #expect(spark.map(\.attempt) == [1, 2, 3])
            #expect(spark.map(\.outcome) == ["retried", "retried", "succeeded"])
            #expect(spark.prefix(2).allSatisfy { $0.errorCause == "timeout" })
            // Each retry waited out the tier (400 ms in the tests' topology) before it started.
            #expect(zip(spark, spark.dropFirst()).allSatisfy { $1.startedAt.timeIntervalSince($0.finishedAt ?? $1.startedAt) >= 0.35 })
            #expect(try await pipeline.count("SELECT count(*) AS n FROM job_results WHERE job_id = \(job.jobID)") == 1)
        }
    }

    @Test func afterItsLastAttemptAJobFailsWithItsCauseAndTheMessageIsDeadLettered() async throws {
        try await withPipeline { pipeline in
            let job = try await pipeline.submit(input: "input\nbroken:normalize")
            try await pipeline.waitForCompletion(of: job.jobID)

            let history = try await pipeline.history(of: job.jobID)
            #expect(history.status == "failed" && history.failedStage == "normalize")
            let normalize = try await pipeline.attempts(of: job.jobID).filter { $0.stage == "normalize" }
            #expect(normalize.map(\.outcome) == ["retried", "retried", "failed"], "three attempts for internal_error")
            #expect(normalize.allSatisfy { $0.errorCause == "internal_error" })

            let dead = try await pipeline.deadLetters(count: 1).first
            #expect(dead?.headers["x-sluice-cause"]?.stringValue == "internal_error")
            #expect(dead?.headers["x-sluice-stage"]?.stringValue == "normalize")
            #expect(dead.flatMap { try? StageMessage.decode($0.body) }?.jobID == job.jobID)
        }
    }

    @Test func aPoisonJobHoldsUpNoOtherJobBeyondItsBackoff() async throws {
        // One message at a time per worker: a worker that sat out the poison job's backoff
        // holding its message would hold up every job behind it. The poison job's first
        // normalize attempt waits until the last healthy job is validated, so every healthy
        // job's normalize message is queued before the poison job's retry can come back.
        try await withPipeline(prefetch: 1, retryDelay: .seconds(2)) { pipeline in
            let gate = UUID().uuidString
            let poison = try await pipeline.submit(input: "input\nawaits:normalize:\(gate)\nbroken:normalize")
            var healthy: [UUID] = []
            for index in 0..<5 {
                healthy.append(try await pipeline.submit(input: "healthy \(index)" + (index == 4 ? "\nopens:validate:\(gate)" : "")).jobID)
            }
            for job in [poison.jobID] + healthy { try await pipeline.waitForCompletion(of: job) }

            #expect(try await pipeline.history(of: poison.jobID).status == "failed")
            let poisonAttempts = try await pipeline.attempts(of: poison.jobID).filter { $0.stage == "normalize" }
            #expect(poisonAttempts.map(\.outcome) == ["retried", "retried", "failed"])
            let secondAttempt = try #require(poisonAttempts.dropFirst().first?.startedAt)
            for job in healthy {
                #expect(try await pipeline.history(of: job).status == "completed")
                let normalize = try #require(try await pipeline.attempts(of: job).first { $0.stage == "normalize" })
                #expect(normalize.startedAt < secondAttempt, "a healthy job's normalize stage waited for the poison job's retry")
            }
        }
    }

    @Test func aDeadLetteredJobIsListedAndReplayedFromItsStage() async throws {
        try await withPipeline { pipeline in
            // Three timeouts use up the three attempts; the fourth would succeed.
            let job = try await pipeline.submit(input: "input\nflaky:spark:3")
            try await pipeline.waitForCompletion(of: job.jobID)
            #expect(try await pipeline.history(of: job.jobID).status == "failed")

            let deadLetters = DeadLetters(
                amqp: try TestBroker.configuration(), topology: pipeline.topology, store: pipeline.store, artifacts: pipeline.artifacts, logger: TestDatabase.logger
            )
            // The spark stage's input is in place: the replay starts there.
            try pipeline.artifacts.write(Data(), job.jobID, StageInputs.artifact(readBy: .spark)!)
            let listed = try await deadLetters.list(limit: 10)
            #expect(listed.count == 1)
            #expect(listed.first?.cause == "timeout" && listed.first?.stage == "spark" && listed.first?.attempts == 3)
            #expect(listed.first?.message?.jobID == job.jobID)
            #expect(try await deadLetters.list(limit: 10).count == 1, "listing leaves the letters in the queue")

            let replayed = try await deadLetters.replay(limit: 10)
            #expect(replayed.map(\.1) == [.requeued(.spark, attempt: 4)])
            try await pipeline.waitForCompletion(of: job.jobID, statuses: ["completed"])
            #expect(try await pipeline.history(of: job.jobID).status == "completed")
            #expect(try await deadLetters.list(limit: 10).isEmpty)
        }
    }

    /// A replay (as a retry) starts at the first stage whose input is in place; every stage
    /// after it runs again as its next attempt, even those that had succeeded, since their
    /// input is new.
    @Test func aReplayStartsWhereTheInputsAreAndEveryStageAfterItRunsAgain() async throws {
        try await withPipeline { pipeline in
            let job = try await pipeline.submit(input: "input\nflaky:spark:3")
            try await pipeline.waitForCompletion(of: job.jobID)
            #expect(try await pipeline.history(of: job.jobID).status == "failed")
            // Neither the spark stage's input nor the normalizer's is there: back to validate.
            #expect(pipeline.artifacts.retryStart(failedAt: .spark, jobID: job.jobID) == .validate)

            let deadLetters = DeadLetters(
                amqp: try TestBroker.configuration(), topology: pipeline.topology, store: pipeline.store, artifacts: pipeline.artifacts, logger: TestDatabase.logger
            )
            #expect(try await deadLetters.replay(limit: 10).map(\.1) == [.requeued(.validate, attempt: 2)])
            try await pipeline.waitForCompletion(of: job.jobID, statuses: ["completed"])

            let attempts = try await pipeline.attempts(of: job.jobID).map { "\($0.stage) \($0.attempt) \($0.outcome)" }
            #expect(attempts == [
                "validate 1 succeeded", "normalize 1 succeeded", "spark 1 retried", "spark 2 retried", "spark 3 failed",
                "validate 2 succeeded", "normalize 2 succeeded", "spark 4 succeeded", "analyze 1 succeeded",
            ])
            #expect(try await pipeline.history(of: job.jobID).status == "completed")
        }
    }

    @Test func aMessageWhoseWorkersKeepDyingFailsItsJobAsWorkerLost() async throws {
        let job = Mutex<UUID?>(nil)
        try await withPipeline(prepare: { pipeline in
            // Two workers take the validate message and die holding it: the broker gets it
            // back each time (the tests' queues allow two returns, the runner acts at two).
            let submitted = try await pipeline.submit(input: "input")
            job.withLock { $0 = submitted.jobID }
            for _ in 0..<2 {
                let consumer = AMQPConsumer(configuration: try TestBroker.configuration(), queue: pipeline.topology.queue(.validate), logger: TestDatabase.logger)
                try await withTimeout(.seconds(20), waitingFor: "the validate message") {
                    var deliveries = consumer.deliveries.makeAsyncIterator()
                    _ = try #require(await deliveries.next())
                }
                await consumer.close()
            }
        }) { pipeline in
            let jobID = try #require(job.withLock { $0 })
            try await pipeline.waitForCompletion(of: jobID)
            let history = try await pipeline.history(of: jobID)
            #expect(history.status == "failed" && history.failedStage == "validate")
            #expect(history.error?.contains("lost 2 times") == true, "\(history.error ?? "-")")
            let dead = try await pipeline.deadLetters(count: 1).first
            #expect(dead?.headers["x-sluice-cause"]?.stringValue == "worker_lost")
        }
    }

    @Test func anAttemptWhoseLeaseRunsOutIsHandedOnAndTheLateWorkerIsRefused() async throws {
        let claimed = Mutex<StageMessage?>(nil)
        try await withPipeline(lease: .seconds(1), prepare: { pipeline in
            // A worker claimed the job's validate stage, then froze: it renews nothing.
            let job = try await pipeline.store.createJob(.init(
                source: .cli, config: .init(rawJSON: "{}"), recordCount: nil, idempotencyKey: nil, traceID: "frozen"
            ))
            try pipeline.artifacts.write(Data("input".utf8), job.jobID, "input.txt")
            let message = StageMessage(jobID: job.jobID, stage: .validate, traceID: "frozen", submittedAt: job.submittedAt)
            #expect(try await pipeline.store.beginAttempt(message, worker: "frozen", lease: .seconds(1)) == .run(config: .init(rawJSON: "{}"), attempt: 1, owner: JobOwner.standard))
            claimed.withLock { $0 = message }
        }) { pipeline in
            let message = try #require(claimed.withLock { $0 })
            try await pipeline.waitForCompletion(of: message.jobID)
            #expect(try await pipeline.history(of: message.jobID).status == "completed")
            let validate = try await pipeline.attempts(of: message.jobID).filter { $0.stage == "validate" }
            #expect(validate.map(\.outcome) == ["abandoned", "succeeded"])
            #expect(validate.first?.errorCause == "worker_lost")

            // The frozen worker wakes up and finishes: refused, nothing changes.
            let outcome = StageOutcome(recordsIn: 1, recordsOut: 2, device: "cpu", metrics: [])
            await #expect(throws: JobStore.AttemptTakenOver.self) { try await pipeline.store.completeAttempt(message, worker: "frozen", outcome: outcome) }
            #expect(try await pipeline.count("SELECT count(*) AS n FROM job_results WHERE job_id = \(message.jobID)") == 1)
        }
    }
}
