import Foundation
import SluiceColumns
import SluiceContracts
import SluiceJobs
import SluiceTestSupport
import Testing

extension FullPipeline {
    /// A stage that finds its input damaged fails the job and sets the input aside; the
    /// retry starts at the stage that writes it, which writes it anew from the job's input,
    /// and the job completes with every attempt on record.
    @Suite struct DamagedArtifactTests {
        static let body = Data(#"{"data": [{"id": 1, "value": 2, "category": "A"}, {"id": 2, "value": 4, "category": "B"}, {"id": 3, "value": 9, "category": "A"}]}"#.utf8)

        @Test func aTruncatedValidatedPartFailsTheJobAndTheRetryValidatesAgain() async throws {
            try await TestPipeline.run(.gatewayOnly) { pipeline in
                // The gateway checks the body and writes validated.parquet; nothing reads it yet.
                let text = try #require(try await pipeline.client.submit(Self.body, contentType: "application/json").object()?["job_id"] as? String)
                let id = try #require(UUID(uuidString: text))
                let validated = pipeline.artifacts.url(id, ArtifactName.validated)
                let part = validated.appendingPathComponent(RecordParquet.partName(0))
                let bytes = try Data(contentsOf: part)
                try bytes.prefix(bytes.count / 2).write(to: part)

                try await JobWatcher.run(TestDatabase.configuration(searchPath: [pipeline.schema])) { watcher in
                    try await pipeline.withWorkers {
                        #expect(await watcher.finalStatus(of: id) == "failed")
                        let failed = try #require(try await pipeline.client.job(text).object())
                        #expect(failed["failed_stage"] as? String == "normalize")
                        let error = failed["error"] as? String ?? ""
                        #expect(error.hasPrefix("validated.parquet: part-00000.parquet: is truncated or damaged"), "\(error)")
                        #expect(error.hasSuffix("set aside as validated.parquet.damaged, and a retry runs validate again to write it anew"), "\(error)")
                        #expect(!FileManager.default.fileExists(atPath: validated.path))
                        #expect(FileManager.default.fileExists(atPath: validated.path + ArtifactName.damagedSuffix))

                        watcher.forget(id)
                        let retried = try await pipeline.client.retry(text)
                        #expect(retried.status == 202, "\(retried.text)")
                        #expect(retried.object()?["stage"] as? String == "validate" && retried.object()?["attempt"] as? Int == 2, "\(retried.text)")
                        #expect(await watcher.finalStatus(of: id) == "completed")
                    }
                }
                #expect(try RecordParquet.read(validated).values == [2, 4, 9])
                let summary = try #require(try await pipeline.client.results(text).object())
                #expect(summary["records_processed"] as? Int == 3, "\(summary)")
                let attempts = try await pipeline.pool.withConnection { db in
                    try db.query("SELECT stage, attempt, outcome, error_cause FROM stage_attempts WHERE job_id = \(id) ORDER BY started_at").map {
                        "\(try $0.decode("stage", as: String.self)) \(try $0.decode("attempt", as: Int.self)) \(try $0.decode("outcome", as: String.self)) \(try $0.decode("error_cause", as: String?.self) ?? "-")"
                    }
                }
                #expect(attempts == [
                    "validate 1 succeeded -", "normalize 1 failed invalid_data",
                    "validate 2 succeeded -", "normalize 2 succeeded -", "spark 1 succeeded -", "analyze 1 succeeded -",
                ])
            }
        }
    }
}
