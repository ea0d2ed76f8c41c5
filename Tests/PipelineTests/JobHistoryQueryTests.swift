import Foundation
import SluiceAMQP
import SluiceClient
import SluicePostgres
import SluiceTestSupport
import Testing
@testable import sluice

extension FullPipeline {
    /// The SQL queries of README.md's "Querying job history", run against jobs this test
    /// sends through the pipeline: two over HTTP (the seed sample, 2,000 CSV records), two
    /// published by a script, and one a script publishes with an invalid record, which
    /// fails at the validate stage.
    @Suite struct JobHistoryQueryTests {
        @Test func theReadmeQueriesReturnTheExpectedRows() async throws {
            let queries = try Self.readmeQueries()
            #expect(queries.count >= 5)
            let seed = try ExampleData.seedSample()
            try await TestPipeline.run(.all) { pipeline in
                let rows = try await JobWatcher.run(TestDatabase.configuration(searchPath: [pipeline.schema])) { watcher in
                    let http = try await pipeline.client.submit(seed, contentType: "application/json", wait: .seconds(180))
                    #expect(http.object()?["status"] as? String == "completed", "\(http.text.prefix(300))")
                    let csv = "id,value,category\n" + (1...2_000).map { "\($0),\(Double($0 % 97) * 1.5),k\($0 % 4)\n" }.joined()
                    let large = try await pipeline.client.submit(Data(csv.utf8), contentType: "text/csv", wait: .seconds(180))
                    #expect(large.object()?["status"] as? String == "completed", "\(large.text.prefix(300))")

                    let publisher = AMQPPublisher(configuration: pipeline.amqp, logger: TestDatabase.logger)
                    let scripted = [UUID(), UUID()]
                    for id in scripted {
                        var body = try #require(try JSONSerialization.jsonObject(with: seed) as? [String: Any])
                        body["job_id"] = id.uuidString.lowercased()
                        try await publisher.publish(Array(try JSONSerialization.data(withJSONObject: body)), exchange: pipeline.topology.submitExchange, routingKey: "")
                    }
                    let broken = UUID()
                    try await publisher.publish(
                        Array(#"{"job_id": "\#(broken.uuidString.lowercased())", "data": [{"id": 1, "value": "NaN", "category": "A"}]}"#.utf8),
                        exchange: pipeline.topology.submitExchange, routingKey: ""
                    )
                    await publisher.close()
                    for id in scripted { #expect(await watcher.finalStatus(of: id) == "completed") }
                    #expect(await watcher.finalStatus(of: broken) == "failed")

                    return try await pipeline.pool.withConnection { db in
                        try queries.map { query in try db.query(PostgresQuery(stringLiteral: query.sql)) }
                    }
                }

                let byTitle = Dictionary(uniqueKeysWithValues: zip(queries.map(\.title), rows))
                func column<T: PostgresDecodable>(_ title: String, _ name: String, as type: T.Type = T.self) throws -> [T] {
                    try #require(byTitle[title], "README has no query titled \(title)").map { try $0.decode(name, as: T.self) }
                }

                #expect(try column("Jobs by status, today", "status", as: String.self) == ["completed", "failed"])
                #expect(try column("Jobs by status, today", "jobs", as: Int.self) == [4, 1])

                let stages = try column("Slowest stage by 95th-percentile service time, last 7 days", "stage", as: String.self)
                #expect(Set(stages) == ["validate", "normalize", "spark", "analyze"])
                #expect(try column("Slowest stage by 95th-percentile service time, last 7 days", "attempts", as: Int.self) == [4, 4, 4, 4])
                let p95 = try column("Slowest stage by 95th-percentile service time, last 7 days", "p95_seconds", as: Double.self)
                #expect(p95 == p95.sorted(by: >))

                #expect(try column("RDD vs DataFrame by dataset size", "dataset_size", as: String.self) == ["1: under 1,000", "2: 1,000 to 99,999"])
                #expect(try column("RDD vs DataFrame by dataset size", "jobs", as: Int.self) == [3, 1])
                #expect(try column("RDD vs DataFrame by dataset size", "mean_speedup", as: Double.self).allSatisfy { $0 > 0 })

                #expect(try column("Failures by stage and reason", "stage", as: String.self) == ["validate"])
                #expect(try column("Failures by stage and reason", "error_cause", as: String.self) == ["invalid_data"])
                #expect(try column("Failures by stage and reason", "example", as: String.self).first?.contains("NaN") == true)

                #expect(try column("Throughput per device (the normalize stage)", "device", as: String.self) == ["cpu"])
                #expect(try column("Throughput per device (the normalize stage)", "records", as: Int.self) == [3 * 3 + 2_000])

                // No GPU here: every normalize attempt says why it ran on the CPU.
                #expect(try column("Why the normalizer ran on the CPU", "device", as: String.self).allSatisfy { $0.hasPrefix("cpu (no GPU: ") })
                #expect(try column("Why the normalizer ran on the CPU", "attempts", as: Int.self).reduce(0, +) == 4)

                #expect(try column("Completed jobs by source, with the median end-to-end time", "source", as: String.self) == ["amqp", "http"])
                #expect(try column("Completed jobs by source, with the median end-to-end time", "jobs", as: Int.self) == [2, 2])

                // `sluice report` over the same history: the same figures, in a page that needs nothing else.
                let report = try await JobReport.read(from: pipeline.pool, since: Date().addingTimeInterval(-86_400))
                #expect(report.statuses == [.init(status: "completed", jobs: 4), .init(status: "failed", jobs: 1)])
                #expect(report.pipelines.map(\.bucket) == ["1: under 1k", "2: 1k-10k"] && report.pipelines.map(\.jobs) == [3, 1])
                #expect(report.stages.map(\.stage) == ["validate", "normalize", "spark", "analyze"] && report.stages.allSatisfy { $0.attempts == 4 })
                #expect(report.throughput.map(\.jobs).reduce(0, +) == 4 && report.throughput.map(\.records).reduce(0, +) == 3 * 3 + 2_000)
                #expect(report.costs.map(\.jobs).reduce(0, +) == 4 && report.costs.allSatisfy { $0.totalUSD > 0 })
                #expect(report.failures.map(\.cause) == ["invalid_data"] && report.failures.first?.failed == 1)
                let page = ReportPage.render(report)
                for section in ["rdd-vs-dataframe", "stage-latency", "latency", "throughput", "cost", "failures"] {
                    #expect(page.contains("<h2 id=\"\(section)\">"), "the report has no \(section) section")
                }
                #expect(page.components(separatedBy: "<svg ").count - 1 == 6, "one chart per section")
                #expect(report.latencies.count == 4, "the completed jobs' latencies")
                #expect(!page.contains("<script") && !page.contains("<link") && page.range(of: #"(src|href)=""#, options: .regularExpression) == nil, "nothing to fetch")
                #expect(page.contains("invalid_data") && page.contains("NaN"))
                let saved = repositoryRoot.appendingPathComponent(".sluice/test-output/report.html")
                try FileManager.default.createDirectory(at: saved.deletingLastPathComponent(), withIntermediateDirectories: true)
                try Data(page.utf8).write(to: saved)
            }
        }

        /// The ```sql blocks of the README's "Querying job history" section; each begins
        /// with a `-- title` line.
        static func readmeQueries() throws -> [(title: String, sql: String)] {
            let readme = try String(contentsOf: repositoryRoot.appendingPathComponent("README.md"), encoding: .utf8)
            let start = try #require(readme.range(of: "\n## Querying job history\n"))
            let section = readme[start.upperBound...].prefix { _ in true }
            let end = section.range(of: "\n## ")?.lowerBound ?? section.endIndex
            return section[..<end].components(separatedBy: "```sql\n").dropFirst().compactMap { block in
                let sql = block.components(separatedBy: "```").first ?? ""
                guard sql.hasPrefix("-- ") else { return nil }
                let title = String(sql.prefix { $0 != "\n" }.dropFirst(3))
                return (title, sql.trimmingCharacters(in: .whitespacesAndNewlines).trimmingCharacters(in: [";"]))
            }
        }
    }
}
