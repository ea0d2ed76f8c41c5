import Foundation
import SluiceClient
import SluiceColumns
import SluiceAMQP
import SluiceContracts
import SluiceJobs
import SluicePostgres
import SluiceTestSupport
@testable import SluiceWorker
import Testing

extension FullPipeline {
    /// The routes an operator's view is made of: `GET /api/v1/key`, `/queues`, `/workers`
    /// (heartbeats and attempts), `/dead-letters` (by owner) and its replay (admins only),
    /// and a job's stored input.
    @Suite struct OperationsRoutesTests {
        static let body = Data(#"{"data": [{"id": 1, "value": 2, "category": "A"}, {"id": 2, "value": 4, "category": "B"}]}"#.utf8)

        static func submit(_ client: GatewayClient) async throws -> String {
            let answer = try await client.submit(body, contentType: "application/json")
            #expect(answer.status == 202, "\(answer.text)")
            return try #require(answer.object()?["job_id"] as? String)
        }

        static func list(_ client: GatewayClient, _ path: String, _ member: String) async throws -> [[String: Any]] {
            let answer = try await client.send("GET", path)
            #expect(answer.status == 200, "\(path): \(answer.text)")
            return answer.object()?[member] as? [[String: Any]] ?? []
        }

        @Test func theKeySaysItsOwnerAndScope() async throws {
            try await TestPipeline.run(.gatewayOnly) { pipeline in
                let reader = try await APIKeyStore(pool: pipeline.pool).create(name: "viewer", scope: .read, owner: "analytics")
                let client = GatewayClient(baseURL: pipeline.client.baseURL, apiKey: reader)
                let described = try #require(try await client.send("GET", "/api/v1/key").object())
                #expect(described as NSDictionary == ["name": "viewer", "owner": "analytics", "scope": "read"] as NSDictionary)
                let writer = try #require(try await pipeline.client.send("GET", "/api/v1/key").object())
                #expect(writer["scope"] as? String == "write" && writer["owner"] as? String == "default")
                #expect(try await GatewayClient(baseURL: pipeline.client.baseURL, apiKey: nil).send("GET", "/api/v1/key").status == 401)
            }
        }

        @Test func theQueuesAreListedWithTheBrokersCounts() async throws {
            try await TestPipeline.run(.gatewayOnly) { pipeline in
                for _ in 0..<3 { _ = try await Self.submit(pipeline.client) }
                let queues = try await Self.list(pipeline.client, "/api/v1/queues", "queues")
                let topology = pipeline.topology
                let expected = Stage.allCases.flatMap { stage in
                    [topology.queue(stage)] + topology.retryDelays.indices.map { topology.retryQueue(stage, tier: $0) }
                } + [topology.deadLetterQueue]
                #expect(queues.compactMap { $0["name"] as? String } == expected)
                // Nothing consumes with the gateway alone: the three jobs wait in the validate queue.
                let validate = try #require(queues.first { $0["name"] as? String == topology.queue(.validate) })
                #expect(validate["ready"] as? Int == 3 && validate["consumers"] as? Int == 0 && validate["kind"] as? String == "stage", "\(queues)")
                #expect(queues.filter { $0["name"] as? String != topology.queue(.validate) }.allSatisfy { $0["ready"] as? Int == 0 }, "\(queues)")
                #expect(queues.filter { $0["kind"] as? String == "retry" }.allSatisfy { ($0["delay_seconds"] as? Double ?? 0) > 0 })
                #expect(queues.last?["kind"] as? String == "dead_letter")
            }
        }

        @Test func workersAreListedFromTheirHeartbeatsAndTheirAttempts() async throws {
            try await TestPipeline.run(.gatewayOnly) { pipeline in
                // Rows of processes gone: one lost (no beat for over three intervals), one
                // stopped, one gone too long ago to be listed.
                _ = try await pipeline.pool.withConnection { db in
                    try db.execute("""
                        INSERT INTO workers (worker, stage, host, pid, version, started_at, last_seen_at, heartbeat_seconds, stopped_at) VALUES
                          ('frozen:7', 'spark', 'frozen', 7, '0.1.0', now() - interval '1 hour', now() - interval '20 seconds', 5, NULL),
                          ('drained:8', 'spark', 'drained', 8, '0.1.0', now() - interval '1 hour', now() - interval '5 minutes', 5, now() - interval '5 minutes'),
                          ('ancient:9', 'spark', 'ancient', 9, '0.1.0', now() - interval '3 hours', now() - interval '2 hours', 5, NULL)
                        """)
                }
                let job = try await Self.submit(pipeline.client)
                let pid = Int(ProcessInfo.processInfo.processIdentifier)
                try await JobWatcher.run(TestDatabase.configuration(searchPath: [pipeline.schema])) { watcher in
                    try await pipeline.withWorkers {
                        #expect(await watcher.finalStatus(of: try #require(UUID(uuidString: job))) == "completed")
                        let workers = try await Self.list(pipeline.client, "/api/v1/workers", "workers")
                        let alive = workers.filter { $0["state"] as? String == "alive" }
                        #expect(alive.compactMap { $0["stage"] as? String } == Stage.allCases.map(\.rawValue), "in pipeline order")
                        #expect(alive.allSatisfy { $0["pid"] as? Int == pid && $0["attempts_in_flight"] as? Int == 0 }, "\(alive)")
                        // The gateway validated the body, so the job's first attempt is the normalizer's.
                        for stage in ["normalize", "spark", "analyze"] {
                            let worker = try #require(alive.first { $0["stage"] as? String == stage })
                            #expect(worker["attempts_succeeded"] as? Int == 1 && worker["last_attempt_at"] != nil, "\(worker)")
                        }
                        let gone = Dictionary(uniqueKeysWithValues: workers.compactMap { row in
                            (row["host"] as? String).map { ($0, row["state"] as? String ?? "") }
                        }.filter { $0.0 != ProcessInfo.processInfo.hostName })
                        #expect(gone == ["frozen": "lost", "drained": "stopped"], "\(workers)")
                    }
                }
                // A graceful stop says so.
                let after = try await Self.list(pipeline.client, "/api/v1/workers", "workers").filter { $0["pid"] as? Int == pid }
                #expect(after.count == 4 && after.allSatisfy { $0["state"] as? String == "stopped" && $0["stopped_at"] != nil }, "\(after)")
            }
        }

        @Test func deadLettersAreListedByOwnerAndReplayedByAdminsOnly() async throws {
            try await TestPipeline.run(.gatewayOnly) { pipeline in
                let keys = APIKeyStore(pool: pipeline.pool)
                let base = pipeline.client.baseURL
                let other = GatewayClient(baseURL: base, apiKey: try await keys.create(name: "bob", scope: .write, owner: "billing"))
                let admin = GatewayClient(baseURL: base, apiKey: try await keys.create(name: "ops", scope: .admin, owner: "ops"))
                let text = try await Self.submit(pipeline.client)
                let id = try #require(UUID(uuidString: text))

                let input = try await pipeline.client.send("GET", "/api/v1/jobs/\(text.prefix(8))/input")
                #expect(input.status == 200 && input.headers["content-type"] == "application/json; charset=utf-8" && input.body == Self.body)
                #expect(try await other.send("GET", "/api/v1/jobs/\(text)/input").status == 404, "another owner's job's input")

                // A damaged artifact fails the job at normalize. Invalid data is not retried, so
                // not dead-lettered either: the letter a worker sends after the last attempt of
                // a transient failure is sent here with the worker's own function (a real one
                // would need a stage that times out three times).
                let part = pipeline.artifacts.url(id, ArtifactName.validated).appendingPathComponent(RecordParquet.partName(0))
                try Data(contentsOf: part).prefix(10).write(to: part)
                try await JobWatcher.run(TestDatabase.configuration(searchPath: [pipeline.schema])) { watcher in
                    try await pipeline.withWorkers {
                        #expect(await watcher.finalStatus(of: id) == "failed")
                    }
                }
                let publisher = AMQPPublisher(configuration: pipeline.amqp, topology: pipeline.topology.amqp, logger: TestDatabase.logger)
                let message = StageMessage(jobID: id, stage: .normalize, attempt: 3, traceID: "t", submittedAt: Date())
                try await publisher.deadLetter(message, cause: .timeout, error: "normalize ran past its timeout", topology: pipeline.topology)
                await publisher.close()
                #expect(try await eventually { try await AMQPAdmin(configuration: pipeline.amqp).messageCount(queue: pipeline.topology.deadLetterQueue) == 1 })
                let letters = try await Self.list(pipeline.client, "/api/v1/dead-letters", "dead_letters")
                #expect(letters.count == 1)
                let letter = try #require(letters.first)
                #expect(letter["job_id"] as? String == text && letter["job_status"] as? String == "failed", "\(letter)")
                #expect(letter["stage"] as? String == "normalize" && letter["cause"] as? String == "timeout" && letter["attempts"] as? Int == 3, "\(letter)")
                #expect(letter["error"] as? String == "normalize ran past its timeout", "\(letter)")
                #expect(try await Self.list(other, "/api/v1/dead-letters", "dead_letters").isEmpty, "another owner sees the letter")
                #expect(try await Self.list(admin, "/api/v1/dead-letters", "dead_letters").count == 1)
                let badLimit = try await admin.send("GET", "/api/v1/dead-letters", query: [("limit", "0")])
                #expect(badLimit.status == 400 && badLimit.error?.error.code == "invalid_parameter")

                let refused = try await pipeline.client.send("POST", "/api/v1/dead-letters/replay", body: Data("{}".utf8), headers: ["Content-Type": "application/json"])
                #expect(refused.status == 403 && refused.error?.error.code == "forbidden", "\(refused.text)")
                #expect(try await Self.list(admin, "/api/v1/dead-letters", "dead_letters").count == 1, "a refused replay took the letter")

                let replay = try await admin.send("POST", "/api/v1/dead-letters/replay", body: Data(#"{"limit": 10}"#.utf8), headers: ["Content-Type": "application/json"])
                #expect(replay.status == 200, "\(replay.text)")
                let replayed = replay.object()?["replayed"] as? [[String: Any]] ?? []
                // The damaged input was set aside: the replay starts where it is written.
                #expect(replayed.count == 1 && replayed.first?["job_id"] as? String == text && replayed.first?["stage"] as? String == "validate", "\(replay.text)")
                #expect(try await pipeline.status(of: text) == "queued")
                #expect(try await Self.list(admin, "/api/v1/dead-letters", "dead_letters").isEmpty)
            }
        }
    }
}
