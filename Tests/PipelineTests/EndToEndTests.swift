import Foundation
import SluiceClient
import SluiceJobs
import SluicePostgres
import SluiceTestSupport
import Testing
@testable import gpu_normalizer

extension FullPipeline {
    /// Jobs through the gateway and all four stage services, over the real RabbitMQ,
    /// PostgreSQL and Spark.
    @Suite struct EndToEndTests {
        @Test func theSeedSampleThroughProcessReturnsItsSummary() async throws {
            let seed = try ExampleData.seedSample()
            let records = try Self.records(ofSeed: seed)
            try await TestPipeline.run(.all) { pipeline in
                let response = try await pipeline.client.submit(seed, contentType: "application/json", wait: .seconds(180))
                #expect(response.status == 200, "\(response.text.prefix(500))")
                let answer = try #require(response.object())
                #expect(answer["status"] as? String == "completed")
                #expect(answer["records_processed"] as? Int == records.count)
                #expect((answer["processing_time"] as? Double ?? 0) > 0)
                let summary = try #require(answer["summary"] as? [String: Any])
                #expect(Expected(records).problems(in: summary) == [])
                #expect((summary["pipelines"] as? [String: Any])?["agree"] as? Bool == true)
                #expect((summary["pipelines"] as? [String: Any])?["concurrent"] as? Bool == true, "the default: SLUICE_SPARK_PIPELINES=concurrent")

                let id = try #require(answer["job_id"] as? String)
                let job = try #require(try await pipeline.client.job(id).object())
                #expect(job["status"] as? String == "completed" && job["has_results"] as? Bool == true)
                let attempts = job["attempts"] as? [[String: Any]] ?? []
                #expect(attempts.compactMap { $0["stage"] as? String } == ["validate", "normalize", "spark", "analyze"])
                #expect(attempts.allSatisfy { $0["outcome"] as? String == "succeeded" && ($0["service_seconds"] as? Double ?? -1) >= 0 })

                let results = try await pipeline.client.results(id)
                #expect(results.status == 200)
                #expect(results.object()?["job_id"] as? String == id)
                #expect(NSDictionary(dictionary: results.object() ?? [:]).isEqual(to: summary))
            }
        }

        @Test func aHundredThousandCSVRecordsAndTwentyConcurrentJobsComplete() async throws {
            // Parts of 25,000 records: the large job's normalized output is several files, as a large job's is.
            var normalizer = NormalizerConfiguration.defaults
            normalizer.partRecords = 25_000
            try await TestPipeline.run(.all, normalizer: normalizer) { pipeline in
                // 100,000 records as CSV, some categories with commas and quotes.
                let categories = ["north", "south", "east, coast", "the \"west\""]
                let large = (1...100_000).map { id -> (id: Int, value: Double, category: String) in
                    let value: Double = Double((id * 7919) % 1000) / 8 - 40
                    return (id: id, value: value, category: categories[id % 4])
                }
                let csv = "id,value,category\n" + large.map { "\($0.id),\($0.value),\(Self.quoted($0.category))\n" }.joined()
                let response = try await pipeline.client.submit(Data(csv.utf8), contentType: "text/csv", wait: .seconds(180))
                #expect(response.status == 200, "\(response.text.prefix(500))")
                #expect(response.object()?["records_processed"] as? Int == 100_000)
                let summary = try #require(response.object()?["summary"] as? [String: Any])
                #expect(Expected(large).problems(in: summary) == [])
                let largeID = try #require(UUID(uuidString: response.object()?["job_id"] as? String ?? ""))
                let normalized = pipeline.artifacts.url(largeID, "normalized.parquet")
                let parts = try FileManager.default.contentsOfDirectory(atPath: normalized.path)
                #expect(parts.sorted() == ["part-00000.parquet", "part-00001.parquet", "part-00002.parquet", "part-00003.parquet"])
                try await Self.expectUsersCanRead(normalized, records: large)

                // 20 jobs at once, each with records of its own.
                let batches = (0..<20).map { job in
                    (0..<(50 + job)).map { (id: $0, value: Double(job * 100 + $0 % 13), category: "c\($0 % 3)") }
                }
                let answers = try await withThrowingTaskGroup(of: (Int, GatewayResponse).self) { group in
                    for (index, batch) in batches.enumerated() {
                        group.addTask {
                            let body = try JSONSerialization.data(withJSONObject: [
                                "data": batch.map { ["id": $0.id, "value": $0.value, "category": $0.category] },
                            ])
                            return (index, try await pipeline.client.submit(body, contentType: "application/json", wait: .seconds(240)))
                        }
                    }
                    var answers: [Int: GatewayResponse] = [:]
                    for try await (index, answer) in group { answers[index] = answer }
                    return answers
                }
                for (index, batch) in batches.enumerated() {
                    let answer = try #require(answers[index])
                    #expect(answer.status == 200 && answer.object()?["status"] as? String == "completed", "job \(index): \(answer.text.prefix(300))")
                    let summary = answer.object()?["summary"] as? [String: Any] ?? [:]
                    #expect(Expected(batch).problems(in: summary) == [], "job \(index)")
                }
                let completed = try await pipeline.pool.withConnection {
                    try $0.query("SELECT count(*) AS n FROM job_history WHERE status = 'completed' AND has_results").single().decode("n", as: Int.self)
                }
                #expect(completed == 21)
            }
        }

        /// An input_uri file is read where it is read, by the validator: a file with an
        /// invalid record fails its job with the record located, and stores no results.
        @Test func aBadInputURIFileFailsItsJobWithTheRecordLocated() async throws {
            try await TestPipeline.run(.all) { pipeline in
                let folder = pipeline.artifacts.inputFolder(of: JobOwner.standard)
                try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
                try Data("id,value,category\n1,1.5,A\n2,x,B\n".utf8).write(to: folder.appendingPathComponent("bad-values.csv"))
                let response = try await pipeline.client.submit(
                    Data(#"{"input_uri": "bad-values.csv"}"#.utf8), contentType: "application/json", wait: .seconds(120)
                )
                #expect(response.status == 200 && response.object()?["status"] as? String == "failed", "\(response.text.prefix(500))")
                let error = try #require(response.object()?["error"] as? [String: Any])
                #expect(error["stage"] as? String == "validate")
                let message = try #require(error["message"] as? String)
                // Records count from 0: the second record, its row on the file's third line.
                #expect(message.hasSuffix("the first: record 1 (value, line 3, column 1): value must be a number; found \"x\""), "\(message)")
                let id = try #require(UUID(uuidString: response.object()?["job_id"] as? String ?? ""))
                #expect(!FileManager.default.fileExists(atPath: pipeline.artifacts.url(id, "validated.parquet").path))
                #expect(try await pipeline.client.results(id.uuidString.lowercased()).status == 409)
            }
        }

        /// pyarrow, pandas and Spark read the stages' artifact as it is, with the documented
        /// schema; its z column is the z-score of its value column.
        private static func expectUsersCanRead(_ artifact: URL, records: [(id: Int, value: Double, category: String)]) async throws {
            let report = FileManager.default.temporaryDirectory.appendingPathComponent("sluice-artifact-\(UUID().uuidString).json")
            defer { try? FileManager.default.removeItem(at: report) }
            let script = repositoryRoot.appendingPathComponent("Tests/support/read_artifact.py").path
            _ = try await StackScript.output(of: TestPipeline.python, [script, artifact.path, report.path])
            let seen = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: report)) as? [String: Any])
            let schema = [["id", "int64", false], ["value", "double", false], ["category", "string", false], ["z", "double", false]]
            #expect((seen["pyarrow_schema"] as? [[Any]]).map { NSArray(array: $0) } == NSArray(array: schema))
            // Spark reports every column of a file source as nullable, whatever the file says.
            #expect((seen["spark_schema"] as? [[Any]]).map { NSArray(array: $0) } == NSArray(array: [["id", "bigint", true], ["value", "double", true], ["category", "string", true], ["z", "double", true]]))
            #expect(seen["pyarrow_rows"] as? Int == records.count && seen["spark_rows"] as? Int == records.count && seen["spark_files"] as? Int == 4)
            #expect(seen["pandas_ids"] as? [Int] == records.map(\.id))
            #expect(try #require(seen["pandas_max_z_error"] as? Double) < 1e-12)
            let counts = Dictionary(grouping: records, by: \.category).mapValues(\.count)
            #expect(seen["spark_counts_by_category"] as? [String: Int] == counts)
        }

        @Test func aJobsEventsTellEveryStageAsItRunsThenTheEnd() async throws {
            try await TestPipeline.run(.all) { pipeline in
                let body = Data(#"{"data": [{"id": 1, "value": 1, "category": "A"}, {"id": 2, "value": 3, "category": "B"}]}"#.utf8)
                let id = try #require(try await pipeline.client.submit(body, contentType: "application/json").object()?["job_id"] as? String)
                var live: [ServerSentEvent] = []
                for try await event in pipeline.client.events(of: id) { live.append(event) }

                // Connected before the job ended: the stream opened with a status that is not final.
                #expect(live.first?.name == "status" && live.first?.object()?["status"] as? String != "completed", "\(live.first.map(\.data) ?? "-")")
                #expect(live.last?.name == "end" && live.last?.object()?["status"] as? String == "completed")
                let stageEvents = live.filter { $0.name.hasPrefix("stage_") }
                let stages = ["validate", "normalize", "spark", "analyze"]
                #expect(stageEvents.map { "\($0.name) \($0.object()?["stage"] as? String ?? "?")" } == stages.flatMap { ["stage_started \($0)", "stage_finished \($0)"] })
                let finished = stageEvents.filter { $0.name == "stage_finished" }.compactMap { $0.object() }
                #expect(finished.allSatisfy { $0["outcome"] as? String == "succeeded" && ($0["service_seconds"] as? Double ?? -1) >= 0 })
                #expect(finished.first?["records_out"] as? Int == 2)

                // A client that comes late gets the whole history at once, the same stage events.
                var late: [ServerSentEvent] = []
                for try await event in pipeline.client.events(of: id) { late.append(event) }
                #expect(late.filter { $0.name.hasPrefix("stage_") }.map(\.name) == stageEvents.map(\.name))
                #expect(late.last?.name == "end")
                let unknown = pipeline.client.events(of: UUID().uuidString)
                await #expect(throws: GatewayClientError.self) { for try await _ in unknown {} }

                // `sluice bench` follows its jobs the same way; exit 0 means every one completed.
                let before = try await pipeline.jobCount()
                let gateway = ["--gateway", pipeline.client.baseURL.absoluteString, "--api-key", try #require(pipeline.client.apiKey)]
                try await SluiceCommand.run(["bench", "--jobs", "4", "--clients", "2", "--records", "3"] + gateway)
                #expect(try await pipeline.jobCount() == before + 4)
            }
        }

        static func records(ofSeed seed: Data) throws -> [(id: Int, value: Double, category: String)] {
            let object = try #require(try JSONSerialization.jsonObject(with: seed) as? [String: Any])
            return try #require(object["data"] as? [[String: Any]]).map { record in
                (id: record["id"] as? Int ?? 0, value: record["value"] as? Double ?? Double(record["value"] as? Int ?? 0), category: record["category"] as? String ?? "")
            }
        }

        static func quoted(_ field: String) -> String {
            guard field.contains(where: { $0 == "," || $0 == "\"" }) else { return field }
            return "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\""
        }
    }
}
