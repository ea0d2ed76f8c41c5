import Foundation
import SluiceColumns
import SluiceClient
import SluiceContracts
import SluiceJobs
import SluiceTestSupport
import Testing

/// What the gateway does with a job it accepts, with no worker running: the row, the
/// input artifact, the queued message, idempotency, listing and waiting.
@Suite struct GatewayJobsTests {
    @Test func anAcceptedJobIsStoredQueuedAndListed() async throws {
        try await TestPipeline.run(.gatewayOnly) { pipeline in
            let body = Data("id,value,category\n1,10.5,A\n2,20.25,\"B, quoted\"\n3,-1,A\n".utf8)
            let response = try await pipeline.client.submit(body, contentType: "text/csv", parameters: [("compare_pipelines", "false")])
            #expect(response.status == 202, "\(response.text)")
            let answer = try #require(response.object())
            let id = try #require(answer["job_id"] as? String)
            #expect(response.headers["location"] == "/api/v1/jobs/\(id)")
            #expect(answer["records"] as? Int == 3 && answer["created"] as? Bool == true)

            #expect(try pipeline.artifacts.read(try #require(UUID(uuidString: id)), "input.csv") == body)
            #expect(try await pipeline.queuedMessages() == 1)

            let job = try #require(try await pipeline.client.job(id).object())
            #expect(job["status"] as? String == "queued" && job["source"] as? String == "http" && job["record_count"] as? Int == 3)
            #expect((job["config"] as? [String: Any])?["compare_pipelines"] as? Bool == false)
            #expect((job["attempts"] as? [Any])?.isEmpty == true)
            let results = try await pipeline.client.results(id)
            #expect(results.status == 409 && results.error?.error.code == "results_not_available")
        }
    }

    @Test func theSameIdempotencyKeyGivesTheSameJob() async throws {
        try await TestPipeline.run(.gatewayOnly) { pipeline in
            let body = Data(#"{"data": [{"id": 1, "value": 2, "category": "A"}]}"#.utf8)
            let first = try await pipeline.client.submit(body, contentType: "application/json", idempotencyKey: "order-7")
            let again = try await pipeline.client.submit(body, contentType: "application/json", idempotencyKey: "order-7")
            let other = try await pipeline.client.submit(body, contentType: "application/json", idempotencyKey: "order-8")
            let statuses = [first.status, again.status, other.status]
            #expect(statuses == [202, 202, 202])
            #expect(first.object()?["job_id"] as? String == again.object()?["job_id"] as? String)
            #expect(again.object()?["created"] as? Bool == false)
            #expect(first.object()?["job_id"] as? String != other.object()?["job_id"] as? String)
            #expect(try await pipeline.jobCount() == 2)
            // A repeat of a job no stage has started publishes its first message again (its
            // first publish may have been lost with a gateway that died); stages take the
            // duplicate as a repeat.
            #expect(try await pipeline.queuedMessages() == 3)

            // Once a stage has started the job, a repeat publishes nothing.
            let otherID = try #require((other.object()?["job_id"] as? String).map { UUID(uuidString: $0) } ?? nil)
            let submitted = try await pipeline.pool.withConnection { try $0.query("SELECT submitted_at FROM jobs WHERE job_id = \(otherID)").single().decode("submitted_at", as: Date.self) }
            _ = try await JobStore(pool: pipeline.pool).beginAttempt(StageMessage(jobID: otherID, stage: .validate, traceID: "t", submittedAt: submitted), worker: "test-worker")
            let repeated = try await pipeline.client.submit(body, contentType: "application/json", idempotencyKey: "order-8")
            #expect(repeated.object()?["job_id"] as? String == other.object()?["job_id"] as? String)
            #expect(try await pipeline.queuedMessages() == 3)
        }
    }

    @Test func processAnswers202WhenTheJobOutlastsTheWait() async throws {
        try await TestPipeline.run(.gatewayOnly) { pipeline in
            let response = try await pipeline.client.submit(
                Data(#"{"data": [{"id": 1, "value": 2, "category": "A"}]}"#.utf8), contentType: "application/json", wait: .milliseconds(200)
            )
            #expect(response.status == 202, "\(response.text)")
            let id = try #require(response.object()?["job_id"] as? String)
            #expect(response.headers["location"] == "/api/v1/jobs/\(id)")
        }
    }

    /// The gateway checks an input_uri's name, place and size, never its content (which
    /// the validator reads, once): a file of bad records is taken, and a missing one refused.
    @Test func inputURINamesAFileOnSharedStorage() async throws {
        try await TestPipeline.run(.gatewayOnly) { pipeline in
            let folder = pipeline.artifacts.inputFolder(of: JobOwner.standard)
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            try Data((1...500).map { "{\"id\": \($0), \"value\": \($0 % 7), \"category\": \"c\($0 % 3)\"}\n" }.joined().utf8)
                .write(to: folder.appendingPathComponent("batch.ndjson"))
            let response = try await pipeline.client.submit(Data(#"{"input_uri": "batch.ndjson"}"#.utf8), contentType: "application/json")
            #expect(response.status == 202, "\(response.text)")
            #expect(response.object()?["records"] == nil, "the gateway does not read the file")
            let id = try #require(UUID(uuidString: response.object()?["job_id"] as? String ?? ""))
            #expect(!FileManager.default.fileExists(atPath: pipeline.artifacts.url(id, "validated.parquet").path))

            try Data("id,value,category\n1,x,A\n".utf8).write(to: folder.appendingPathComponent("bad.csv"))
            let taken = try await pipeline.client.submit(Data(#"{"input_uri": "bad.csv"}"#.utf8), contentType: "application/json")
            #expect(taken.status == 202, "the validator, which reads the file, fails the job: \(taken.text)")
            let missing = try await pipeline.client.submit(Data(#"{"input_uri": "none.csv"}"#.utf8), contentType: "application/json")
            #expect(missing.status == 422 && missing.error?.error.code == "invalid_input_uri")
            #expect(try await pipeline.jobCount() == 2)
        }
    }

    /// A body the gateway checked arrives at the validator with its columns written.
    @Test func aCheckedBodyIsStoredAsValidatedColumns() async throws {
        try await TestPipeline.run(.gatewayOnly) { pipeline in
            let response = try await pipeline.client.submit(
                Data(#"{"data": [{"id": 1, "value": 2.5, "category": "A"}, {"id": 2, "value": "x", "category": "B"}], "processing_config": {"on_invalid": "drop"}}"#.utf8),
                contentType: "application/json"
            )
            #expect(response.status == 202 && response.object()?["records"] as? Int == 2 && response.object()?["dropped"] as? Int == 1)
            let id = try #require(UUID(uuidString: response.object()?["job_id"] as? String ?? ""))
            let columns = try RecordParquet.read(pipeline.artifacts.url(id, ArtifactName.validated))
            #expect(columns.ids == [1] && columns.values == [2.5] && columns.categoryNames == ["A"])
            let summary = try #require(ValidatedArtifacts.finished(jobID: id, artifacts: pipeline.artifacts))
            #expect(summary.quality.total == 2 && summary.quality.valid == 1 && summary.dropped == 1)
        }
    }

    @Test func jobsAreListedNewestFirstByPage() async throws {
        try await TestPipeline.run(.gatewayOnly) { pipeline in
            var ids: [String] = []
            for index in 1...5 {
                let response = try await pipeline.client.submit(Data("id,value,category\n\(index),1,A\n".utf8), contentType: "text/csv")
                ids.append(try #require(response.object()?["job_id"] as? String))
            }
            var seen: [String] = []
            var query = [("limit", "2")]
            for _ in 1...3 {
                let page = try #require(try await pipeline.client.jobs(query).object())
                seen += (page["jobs"] as? [[String: Any]] ?? []).compactMap { $0["job_id"] as? String }
                guard let cursor = page["next_cursor"] as? String else { break }
                query = [("limit", "2"), ("cursor", cursor)]
            }
            #expect(seen == ids.reversed())
            let queued = try #require(try await pipeline.client.jobs([("status", "queued,failed")]).object())
            #expect((queued["jobs"] as? [Any])?.count == 5)
            let completed = try #require(try await pipeline.client.jobs([("status", "completed")]).object())
            #expect((completed["jobs"] as? [Any])?.isEmpty == true)
            let future = try #require(try await pipeline.client.jobs([("since", "2999-01-01T00:00:00Z")]).object())
            #expect((future["jobs"] as? [Any])?.isEmpty == true)
            let withFraction = try await pipeline.client.jobs([("since", "2000-01-01T00:00:00.5+01:00")])
            #expect(withFraction.status == 200 && (withFraction.object()?["jobs"] as? [Any])?.count == 5)
            // By finish: only a job that has finished, and since when asked.
            let done = ids[1]
            _ = try await pipeline.pool.withConnection { db in
                try db.execute("UPDATE jobs SET status = 'completed', started_at = now(), finished_at = now() WHERE job_id = \(done)::uuid")
            }
            let finished = try #require(try await pipeline.client.jobs([("finished_since", "2000-01-01T00:00:00Z")]).object())
            #expect((finished["jobs"] as? [[String: Any]])?.compactMap { $0["job_id"] as? String } == [done])
            let notYet = try #require(try await pipeline.client.jobs([("finished_since", "2999-01-01T00:00:00Z")]).object())
            #expect((notYet["jobs"] as? [Any])?.isEmpty == true)
            // A time followed by anything is refused whole, not read as its date.
            for since in ["2099-01-01T00:00:00Z' OR 1=1--", "2099-01-01T00:00:00Zjunk", "2099-01-01", " 2099-01-01T00:00:00Z"] {
                let refused = try await pipeline.client.jobs([("since", since)])
                #expect(refused.status == 400 && refused.error?.error.code == "invalid_parameter", "\(since): \(refused.status) \(refused.text)")
            }
        }
    }

    @Test func healthAndReadiness() async throws {
        try await TestPipeline.run(.gatewayOnly) { pipeline in
            let health = try await pipeline.client.send("GET", "/health")
            #expect(health.status == 200 && health.object()?["status"] as? String == "ok")
            // The listener connects in the background: readiness may take a moment, and is then reported.
            let client = pipeline.client
            let ready = try await eventually(within: .seconds(20)) {
                let answer = try await client.send("GET", "/ready")
                return answer.status == 200 && answer.object()?["status"] as? String == "ready"
            }
            #expect(ready)
        }
    }
}
