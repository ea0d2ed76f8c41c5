import Foundation
import SluiceContracts
import SluiceJobs
import SluicePostgres
import SluiceTestSupport
import Testing

/// A worker presumed lost (its message redelivered to another) that comes back cannot
/// record the attempt's outcome: only the worker now holding the attempt can.
@Suite struct FencingTests {
    @Test func aWorkerWhoseAttemptWasTakenOverCannotFinishIt() async throws {
        try await withTestSchema { pool, _ in
            _ = try await Migrator(pool: pool, directory: repositoryRoot.appendingPathComponent("infra/migrations"), logger: TestDatabase.logger).migrate()
            let store = JobStore(pool: pool)
            let job = try await store.createJob(.init(source: .cli, config: .init(rawJSON: "{}"), recordCount: 1, idempotencyKey: nil, traceID: "t"))
            let message = StageMessage(jobID: job.jobID, stage: .validate, traceID: "t", submittedAt: job.submittedAt)
            let outcome = StageOutcome(recordsIn: 1, recordsOut: 1, device: "cpu", metrics: [.init("lines", 1, unit: "records")])

            #expect(try await store.beginAttempt(message, worker: "frozen") == .run(config: .init(rawJSON: "{}"), attempt: 1, owner: JobOwner.standard))
            // The broker gave up on "frozen" and redelivered the message to "replica".
            #expect(try await store.beginAttempt(message, worker: "replica") == .run(config: .init(rawJSON: "{}"), attempt: 1, owner: JobOwner.standard))

            await #expect(throws: JobStore.AttemptTakenOver.self) { try await store.completeAttempt(message, worker: "frozen", outcome: outcome) }
            await #expect(throws: JobStore.AttemptTakenOver.self) { try await store.failJob(message, worker: "frozen", cause: .timeout, error: "late") }
            await #expect(throws: JobStore.AttemptTakenOver.self) { try await store.retryAttempt(message, worker: "frozen", cause: .timeout, error: "late") }
            try await store.completeAttempt(message, worker: "replica", outcome: outcome)
            await #expect(throws: JobStore.AttemptTakenOver.self) { try await store.completeAttempt(message, worker: "replica", outcome: outcome) }

            let row = try await pool.withConnection { db in
                try db.query("""
                    SELECT a.worker, a.outcome, j.status, (SELECT count(*) FROM job_metrics m WHERE m.job_id = j.job_id) AS metrics
                    FROM stage_attempts a JOIN jobs j USING (job_id) WHERE a.job_id = \(job.jobID)
                    """).single()
            }
            #expect(try row.decode("worker", as: String.self) == "replica")
            #expect(try row.decode("outcome", as: String.self) == "succeeded")
            #expect(try row.decode("status", as: String.self) == "validating", "the late failure did not fail the job")
            #expect(try row.decode("metrics", as: Int.self) == 1, "the refused completion wrote no metrics")
        }
    }
}
