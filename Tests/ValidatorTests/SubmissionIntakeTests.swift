import Foundation
import Logging
import ServiceLifecycle
import SluiceAMQP
import SluiceContracts
import SluiceCore
import SluiceJobs
import SluicePostgres
import SluiceRecords
import SluiceTestSupport
import SluiceWorker
import Testing
@testable import validator

/// Jobs published straight onto the submit exchange, through the validator's real runner.
@Suite struct SubmissionIntakeTests {
    static let seed = #"{"data": [{"id": 1, "value": 10.5, "category": "A"}, {"id": 2, "value": 20.3, "category": "B"}, {"id": 3, "value": 15.7, "category": "A"}]}"#

    @Test func aScriptsSubmissionBecomesOneAMQPJobHandedToTheNormalizer() async throws {
        try await withValidator { pool, topology, admin, publisher in
            let properties = AMQPProperties(contentType: "application/json", correlationID: "c-1", replyTo: "my-replies", messageID: "script-1")
            try await publisher.publish(Array(Self.seed.utf8), exchange: topology.submitExchange, routingKey: "", properties: properties)
            #expect(try await eventually(within: .seconds(30)) { try await admin.messageCount(queue: topology.queue(.normalize)) == 1 })

            let job = try await pool.withConnection { db in
                try db.query("""
                    SELECT j.job_id, j.source, j.record_count, j.reply_to, j.correlation_id, a.outcome
                    FROM jobs j JOIN stage_attempts a USING (job_id) WHERE j.idempotency_key = 'amqp:script-1'
                    """).single()
            }
            #expect(try job.decode("source", as: String.self) == "amqp")
            #expect(try job.decode("record_count", as: Int.self) == 3)
            #expect(try job.decode("reply_to", as: String.self) == "my-replies")
            #expect(try job.decode("correlation_id", as: String.self) == "c-1")
            #expect(try job.decode("outcome", as: String.self) == "succeeded")
            // Read once: the intake wrote the checked records as columns, and the stage only reported them.
            let checkedAtIntake = try await pool.withConnection { db in
                try db.query("SELECT value FROM job_metrics WHERE stage = 'validate' AND name = 'checked_at_intake'").single().decode("value", as: Double.self)
            }
            #expect(checkedAtIntake == 1)

            // The same message again (a script retrying after a lost confirm): still one job.
            try await publisher.publish(Array(Self.seed.utf8), exchange: topology.submitExchange, routingKey: "", properties: properties)
            #expect(try await eventually(within: .seconds(30)) { try await admin.messageCount(queue: topology.queue(.normalize)) == 2 })
            let jobs = try await pool.withConnection { try $0.query("SELECT count(*) AS n FROM jobs").single().decode("n", as: Int.self) }
            #expect(jobs == 1)
        }
    }

    /// Records the check refuses still make a job (a script has no request to answer),
    /// which the validate stage fails with the first offender located.
    @Test func aSubmissionWithInvalidRecordsBecomesAFailedJobNamingTheRecord() async throws {
        try await withValidator { pool, topology, admin, publisher in
            let body = #"{"data": [{"id": 1, "value": 1, "category": "A"}, {"id": 2, "value": "x", "category": "A"}]}"#
            try await publisher.publish(Array(body.utf8), exchange: topology.submitExchange, routingKey: "")
            #expect(try await eventually(within: .seconds(30)) {
                try await pool.withConnection { try $0.query("SELECT count(*) AS n FROM jobs WHERE status = 'failed'").single().decode("n", as: Int.self) } == 1
            })
            let error = try await pool.withConnection { try $0.query("SELECT error FROM jobs").single().decode("error", as: String.self) }
            #expect(error.contains("the first: record 1 (value, line 1, column"), "\(error)")
            #expect(try await admin.messageCount(queue: topology.queue(.normalize)) == 0)
        }
    }

    @Test func anUnreadableSubmissionIsDeadLetteredAndStoresNothing() async throws {
        try await withValidator { pool, topology, admin, publisher in
            try await publisher.publish(Array(#"{"data": [1, 2"#.utf8), exchange: topology.submitExchange, routingKey: "")
            #expect(try await eventually(within: .seconds(30)) { try await admin.messageCount(queue: topology.deadLetterQueue) == 1 })
            let jobs = try await pool.withConnection { try $0.query("SELECT count(*) AS n FROM jobs").single().decode("n", as: Int.self) }
            #expect(jobs == 0)
        }
    }

    /// Runs the validator's runner on a schema and topology of the test's own.
    func withValidator(
        _ body: @escaping @Sendable (PostgresPool, SluiceTopology, AMQPAdmin, AMQPPublisher) async throws -> Void
    ) async throws {
        try await withTestSchema { pool, _ in
            _ = try await Migrator(pool: pool, directory: repositoryRoot.appendingPathComponent("infra/migrations"), logger: TestDatabase.logger).migrate()
            try await TestBroker.withTopology { topology in
                let logger = Logger(label: "sluice.test.validator") { _ in SwiftLogNoOpLogHandler() }
                let artifacts = try ArtifactStore(root: FileManager.default.temporaryDirectory.appendingPathComponent("sluice-artifacts-\(UUID())"))
                defer { try? FileManager.default.removeItem(at: artifacts.root) }
                let store = JobStore(pool: pool)
                let amqp = try TestBroker.configuration()
                let files = BlockingThreadPool(count: 1, name: "intake-test")
                defer { files.shutdown() }
                let runner = StageRunner(
                    stage: .validate, handler: ValidatorStage(),
                    intake: SubmissionIntake(intake: JobIntake(store: store, artifacts: artifacts, files: files), limits: SubmissionLimits(), logger: logger),
                    amqp: amqp, store: store, artifacts: artifacts, topology: topology, logger: logger
                )
                let publisher = AMQPPublisher(configuration: amqp, logger: logger)
                let services = ServiceGroup(services: [runner, publisher], gracefulShutdownSignals: [], cancellationSignals: [], logger: logger)
                try await whileRunning([services]) { try await body(pool, topology, AMQPAdmin(configuration: amqp), publisher) }
            }
        }
    }
}
