import Foundation
import ServiceLifecycle
import SluiceAMQP
import SluiceContracts
import SluiceCore
import SluiceJobs
import SluicePostgres
import SluiceTestSupport
import Testing

extension FullPipeline {
    /// Jobs that scripts publish straight onto the submit exchange, with a reply queue.
    @Suite struct ScriptSubmissionTests {
        static let seed = #"{"data": [{"id": 1, "value": 10.5, "category": "A"}, {"id": 2, "value": 20.3, "category": "B"}, {"id": 3, "value": 15.7, "category": "A"}], "processing_config": {"gpu_enabled": true, "compare_pipelines": true, "store_results": true}}"#

        @Test func jobsPublishedWithReplyToGetTheirSummaryOnTheReplyQueue() async throws {
            try await TestPipeline.run(.all) { pipeline in
                let replyQueue = "\(pipeline.topology.prefix).replies"
                let replies = AMQPTopology(queues: [.init(name: replyQueue, durable: false)])
                let admin = AMQPAdmin(configuration: pipeline.amqp)
                try await admin.declare(replies)
                let consumer = AMQPConsumer(configuration: pipeline.amqp, queue: replyQueue, logger: TestDatabase.logger)
                let publisher = AMQPPublisher(configuration: pipeline.amqp, logger: TestDatabase.logger)
                let group = ServiceGroup(services: [consumer, publisher], gracefulShutdownSignals: [], cancellationSignals: [], logger: TestDatabase.logger)
                let (reply, printed) = try await whileRunning([group]) {
                    try await publisher.publish(
                        Array(Self.seed.utf8), exchange: pipeline.topology.submitExchange, routingKey: "",
                        properties: AMQPProperties(contentType: "application/json", correlationID: "req-42", replyTo: replyQueue, messageID: "seed-1")
                    )
                    let reply = try await withTimeout(.seconds(240), waitingFor: "the summary on the reply queue") {
                        var iterator = consumer.deliveries.makeAsyncIterator()
                        let reply = try #require(await iterator.next())
                        try reply.ack()
                        return reply
                    }
                    // The example script the README shows, as a user runs it.
                    var environment = ProcessInfo.processInfo.environment
                    environment["SLUICE_SUBMIT_EXCHANGE"] = pipeline.topology.submitExchange
                    let printed = try await StackScript.output(
                        of: TestPipeline.python, [repositoryRoot.appendingPathComponent("infra/examples/submit_and_wait.py").path, "--timeout", "120"],
                        environment: environment
                    )
                    return (reply, printed)
                }
                try await admin.delete(replies)
                try await check(reply, pool: pipeline.pool, artifacts: pipeline.artifacts)
                let scripted = try #require(try JSONSerialization.jsonObject(with: Data(printed.utf8)) as? [String: Any], "the script printed: \(printed)")
                #expect(scripted["status"] as? String == "completed" && scripted["records_processed"] as? Int == 3)
                #expect(scripted["job_id"] as? String != (try JSONSerialization.jsonObject(with: Data(reply.body)) as? [String: Any])?["job_id"] as? String)

                // `sluice produce --reply` does the same from the command line (exit 0: the summary came).
                let file = FileManager.default.temporaryDirectory.appendingPathComponent("sluice-produce-\(UUID()).json")
                try Data(Self.seed.utf8).write(to: file)
                defer { try? FileManager.default.removeItem(at: file) }
                let produce = ["produce", file.path, "--exchange", pipeline.topology.submitExchange, "--message-id", "cli-produce-1"]
                try await SluiceCommand.run(produce + ["--reply", "--timeout", "240"])
                let amqpJobs = try await pipeline.pool.withConnection {
                    try $0.query("SELECT count(*) AS n FROM jobs WHERE source = 'amqp' AND status = 'completed'").single().decode("n", as: Int.self)
                }
                #expect(amqpJobs == 3, "the reply test's, the script's and produce's job")
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
            #expect((try? artifacts.read(jobID, ArtifactName.summary)) == Data(reply.body))
        }
    }
}
