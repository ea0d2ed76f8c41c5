import Foundation
import Logging
import ServiceLifecycle
import SluiceAMQP
import SluiceContracts
import SluiceJobs
import SluicePostgres
import SluiceTestSupport
import SluiceWorker
import Testing
@testable import analyzer
@testable import gpu_normalizer
@testable import spark_runner
@testable import validator

/// The four stage services, built exactly as their executables build them, over a
/// real RabbitMQ, PostgreSQL and Spark (`local[1]`).
@Suite struct ScriptSubmissionTests {
    static let seed = #"{"data": [{"id": 1, "value": 10.5, "category": "A"}, {"id": 2, "value": 20.3, "category": "B"}, {"id": 3, "value": 15.7, "category": "A"}], "processing_config": {"gpu_enabled": true, "compare_pipelines": true, "store_results": true}}"#

    @Test func jobsPublishedWithReplyToGetTheirSummaryOnTheReplyQueue() async throws {
        try await withTestSchema { pool, schema in
            try await TestBroker.withTopology { topology in
                let logger = Logger(label: "sluice.test.pipeline") { _ in SwiftLogNoOpLogHandler() }
                var configuration = try WorkerConfiguration()
                configuration.pipeline.database = TestDatabase.configuration(searchPath: [schema])
                configuration.pipeline.topology = topology
                configuration.pipeline.migrations = repositoryRoot.appendingPathComponent("infra/migrations")
                configuration.pipeline.artifacts = try ArtifactStore(root: FileManager.default.temporaryDirectory.appendingPathComponent("sluice-pipeline-\(UUID())"))
                defer { try? FileManager.default.removeItem(at: configuration.pipeline.artifacts.root) }
                let python = ProcessInfo.processInfo.environment["SLUICE_VENV"].map { "\($0)/bin/python" }
                    ?? repositoryRoot.appendingPathComponent(".sluice/venv/bin/python").path
                let spark = SparkConfiguration(
                    master: "local[1]",
                    python: python,
                    driverScript: repositoryRoot.appendingPathComponent("Services/spark-runner/driver/sluice_spark_driver.py").path,
                    extraArguments: ["--no-warmup"]
                )
                let groups = [
                    try await validator.buildServiceGroup(configuration: configuration, logger: logger),
                    try await gpu_normalizer.buildServiceGroup(configuration: configuration, logger: logger),
                    try await spark_runner.buildServiceGroup(configuration: configuration, spark: spark, logger: logger),
                    try await analyzer.buildServiceGroup(configuration: configuration, prices: PriceTable(), logger: logger),
                ]
                let amqp = try TestBroker.configuration()
                let replies = AMQPTopology(queues: [.init(name: "\(topology.prefix).replies", durable: false)])
                let admin = AMQPAdmin(configuration: amqp)
                try await admin.declare(replies)
                defer { Task { try? await admin.delete(replies) } }
                let consumer = AMQPConsumer(configuration: amqp, queue: "\(topology.prefix).replies", logger: logger)

                try await withThrowingTaskGroup(of: Void.self) { services in
                    for group in groups { services.addTask { try await group.run() } }
                    let outcome = await Result(catching: {
                        let publisher = AMQPPublisher(configuration: amqp, logger: logger)
                        try await publisher.publish(
                            Array(Self.seed.utf8), exchange: topology.submitExchange, routingKey: "",
                            properties: AMQPProperties(contentType: "application/json", correlationID: "req-42", replyTo: "\(topology.prefix).replies", messageID: "seed-1")
                        )
                        await publisher.close()
                        let reply = try await withTimeout(.seconds(240), waitingFor: "the summary on the reply queue") {
                            var iterator = consumer.deliveries.makeAsyncIterator()
                            let reply = try #require(await iterator.next())
                            try reply.ack()
                            return reply
                        }
                        // The example script the README shows, as a user runs it.
                        var environment = ProcessInfo.processInfo.environment
                        environment["SLUICE_SUBMIT_EXCHANGE"] = topology.submitExchange
                        let printed = try await StackScript.output(
                            of: python, [repositoryRoot.appendingPathComponent("infra/examples/submit_and_wait.py").path, "--timeout", "120"],
                            environment: environment
                        )
                        return (reply, printed)
                    })
                    for group in groups { await group.triggerGracefulShutdown() }
                    try await services.waitForAll()
                    await consumer.close()
                    let (reply, printed) = try outcome.get()
                    try await check(reply, pool: pool, artifacts: configuration.pipeline.artifacts)
                    let scripted = try #require(try JSONSerialization.jsonObject(with: Data(printed.utf8)) as? [String: Any], "the script printed: \(printed)")
                    #expect(scripted["status"] as? String == "completed" && scripted["records_processed"] as? Int == 3)
                    #expect(scripted["job_id"] as? String != (try JSONSerialization.jsonObject(with: Data(reply.body)) as? [String: Any])?["job_id"] as? String)
                }
            }
        }
    }

    private func check(_ reply: AMQPDelivery, pool: PostgresPool, artifacts: ArtifactStore) async throws {
        #expect(reply.properties.correlationID == "req-42")
        let summary = try #require(try JSONSerialization.jsonObject(with: Data(reply.body)) as? [String: Any])
        #expect(summary["status"] as? String == "completed")
        #expect(summary["source"] as? String == "amqp")
        #expect(summary["records_processed"] as? Int == 3)
        #expect((summary["processing_time"] as? Double ?? 0) > 0)
        #expect((summary["stages"] as? [[String: Any]])?.compactMap { $0["stage"] as? String } == ["validate", "normalize", "spark"])
        #expect(["rdd", "dataframe"].contains((summary["pipelines"] as? [String: Any])?["winner"] as? String ?? "-"))
        #expect(((summary["cost"] as? [String: Any])?["usd"] as? Double ?? 0) > 0)

        // The z-scores and per-category aggregates, computed here from the raw values.
        let values = [10.5, 20.3, 15.7]
        let mean = values.reduce(0, +) / 3
        let std = (values.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / 3).squareRoot()
        let z = values.map { ($0 - mean) / std }
        let categories = try #require(summary["categories"] as? [[String: Any]])
        #expect(categories.compactMap { $0["category"] as? String } == ["A", "B"])
        #expect(categories.compactMap { $0["count"] as? Double } == [2, 1])
        #expect(abs((categories[0]["mean"] as? Double ?? .nan) - (z[0] + z[2]) / 2) < 1e-12)
        #expect(abs((categories[1]["max"] as? Double ?? .nan) - z[1]) < 1e-12)
        #expect(abs(((summary["statistics"] as? [String: Any])?["std"] as? Double ?? .nan) - std) < 1e-9)

        let jobID = try #require((summary["job_id"] as? String).flatMap(UUID.init(uuidString:)))
        let row = try await pool.withConnection { try $0.query("SELECT status, has_results FROM job_history WHERE job_id = \(jobID)").single() }
        #expect(try row.decode("status", as: String.self) == "completed")
        #expect(try row.decode("has_results", as: Bool.self))
        #expect((try? artifacts.read(jobID, "summary.json")) == Data(reply.body))
    }
}

extension Result where Failure == Error {
    init(catching body: () async throws -> Success) async {
        do { self = .success(try await body()) } catch { self = .failure(error) }
    }
}
