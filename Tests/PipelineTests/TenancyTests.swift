import Foundation
import SluiceClient
import SluiceJobs
import SluicePostgres
import SluiceTestSupport
import Testing

/// Owners: a key sees and acts on its owner's jobs only (another owner's job is, to it,
/// no job: 404), its `input_uri` is looked up in its owner's input folder, and an admin
/// key sees every owner's jobs.
@Suite struct TenancyTests {
    static let body = Data(#"{"data": [{"id": 1, "value": 2, "category": "A"}, {"id": 2, "value": 4, "category": "B"}]}"#.utf8)

    /// The clients of one test: two owners' write keys, a reader of the first owner, an admin.
    struct Keys {
        let analytics: GatewayClient
        let analyticsReader: GatewayClient
        let billing: GatewayClient
        let admin: GatewayClient

        init(_ pipeline: TestPipeline) async throws {
            let store = APIKeyStore(pool: pipeline.pool)
            let base = pipeline.client.baseURL
            analytics = GatewayClient(baseURL: base, apiKey: try await store.create(name: "alice", scope: .write, owner: "analytics"))
            analyticsReader = GatewayClient(baseURL: base, apiKey: try await store.create(name: "dash", scope: .read, owner: "analytics"))
            billing = GatewayClient(baseURL: base, apiKey: try await store.create(name: "bob", scope: .write, owner: "billing"))
            admin = GatewayClient(baseURL: base, apiKey: try await store.create(name: "ops", scope: .admin, owner: "ops"))
        }
    }

    static func submit(_ client: GatewayClient, _ body: Data = body) async throws -> String {
        let answer = try await client.submit(body, contentType: "application/json")
        #expect(answer.status == 202, "\(answer.text)")
        return try #require(answer.object()?["job_id"] as? String)
    }

    static func listed(_ client: GatewayClient) async throws -> Set<String> {
        let answer = try await client.jobs()
        #expect(answer.status == 200, "\(answer.text)")
        return Set((answer.object()?["jobs"] as? [[String: Any]] ?? []).compactMap { $0["job_id"] as? String })
    }

    @Test func aKeySeesAndActsOnItsOwnersJobsOnly() async throws {
        try await TestPipeline.run(.gatewayOnly) { pipeline in
            let keys = try await Keys(pipeline)
            let theirs = try await Self.submit(keys.analytics)
            let mine = try await Self.submit(keys.billing)

            #expect(try await Self.listed(keys.analytics) == [theirs])
            #expect(try await Self.listed(keys.analyticsReader) == [theirs])
            #expect(try await Self.listed(keys.billing) == [mine])
            #expect(try await Self.listed(keys.admin) == [theirs, mine])
            #expect(try await Self.listed(pipeline.client).isEmpty, "the default owner's key sees neither")

            // Every route that names a job, with another owner's key: no such job.
            let job = "/api/v1/jobs/\(theirs)"
            let routes: [(String, String)] = [
                ("GET", job), ("GET", "/api/v1/jobs/\(theirs.prefix(8))"), ("GET", "\(job)/results"), ("GET", "\(job)/events"),
                ("POST", "\(job)/cancel"), ("POST", "\(job)/retry"),
            ]
            for (method, path) in routes {
                // Bounded: an event stream that was let through would not end.
                let answer = try await keys.billing.send(method, path, timeout: .seconds(20))
                #expect(answer.status == 404 && answer.error?.error.code == "job_not_found", "\(method) \(path): \(answer.status) \(answer.text)")
                #expect(!answer.text.contains("analytics"), "\(method) \(path) tells the owner")
            }
            let cursor = try await keys.billing.jobs([("cursor", theirs)])
            #expect(cursor.status == 400 && cursor.error?.error.code == "invalid_parameter", "\(cursor.text)")
            #expect(try await pipeline.status(of: theirs) == "queued", "another owner's cancel reached the job")

            // The owner's own keys reach it (a queued job has no results and is not retried).
            #expect(try await keys.analyticsReader.job(theirs).object()?["owner"] as? String == "analytics")
            #expect(try await keys.analytics.results(theirs).status == 409)
            #expect(try await keys.analytics.retry(theirs).status == 409)
            #expect(try await keys.analyticsReader.cancel(theirs).status == 403, "a read key acts on nothing")
            // The admin reaches every owner's job.
            #expect(try await keys.admin.job(String(mine.prefix(8))).object()?["owner"] as? String == "billing")
            #expect(try await keys.admin.cancel(theirs).status == 200)
            #expect(try await pipeline.status(of: theirs) == "cancelled")

            let owners = try await pipeline.pool.withConnection { db in
                try db.query("SELECT job_id::text AS id, owner FROM job_history").map { (try $0.decode("id", as: String.self), try $0.decode("owner", as: String.self)) }
            }
            #expect(Dictionary(uniqueKeysWithValues: owners) == [theirs: "analytics", mine: "billing"])
        }
    }

    @Test func anInputURIIsFoundInItsOwnersInputFolderOnly() async throws {
        try await TestPipeline.run(.gatewayOnly) { pipeline in
            let keys = try await Keys(pipeline)
            let folder = pipeline.artifacts.inputFolder(of: "analytics")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            try Data("id,value,category\n1,1.5,A\n".utf8).write(to: folder.appendingPathComponent("day.csv"))
            let stored = try await Self.submit(keys.analytics)

            let own = try await keys.analytics.submit(Data(#"{"input_uri": "day.csv"}"#.utf8), contentType: "application/json")
            #expect(own.status == 202, "\(own.text)")
            let before = try await pipeline.jobCount()
            let reaches = ["day.csv", "../analytics/day.csv", "../../\(stored)/input.json", "\(stored)/input.json"]
            for uri in reaches {
                let answer = try await keys.billing.submit(Data(#"{"input_uri": "\#(uri)"}"#.utf8), contentType: "application/json")
                #expect(answer.status == 422 && answer.error?.error.code == "invalid_input_uri", "\(uri): \(answer.status) \(answer.text)")
            }
            #expect(try await pipeline.jobCount() == before, "a refused input_uri stored a job")
        }
    }

    /// Keys and jobs from before owners existed belong to the default owner, and so keep
    /// seeing each other: an upgrade changes nothing until another owner is made.
    @Test func theMigrationGivesExistingKeysAndJobsTheDefaultOwner() async throws {
        let all = repositoryRoot.appendingPathComponent("infra/migrations")
        let before = FileManager.default.temporaryDirectory.appendingPathComponent("sluice-migrations-\(UUID())")
        try FileManager.default.createDirectory(at: before, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: before) }
        for file in try FileManager.default.contentsOfDirectory(atPath: all.path) where file < "0006" {
            try FileManager.default.copyItem(at: all.appendingPathComponent(file), to: before.appendingPathComponent(file))
        }
        try await withTestSchema { pool, _ in
            _ = try await Migrator(pool: pool, directory: before, logger: TestDatabase.logger).migrate()
            let jobID = UUID()
            try await pool.withConnection { db in
                try db.execute("""
                    INSERT INTO api_keys (key_id, name, key_prefix, key_sha256, scope)
                    VALUES (\(UUID()), 'old', 'sluice_0000000', \(String(repeating: "a", count: 64)), 'write')
                    """)
                try db.execute("""
                    INSERT INTO jobs (job_id, source, config, submitted_by) VALUES (\(jobID), 'http', '{}', 'old')
                    """)
            }
            _ = try await Migrator(pool: pool, directory: all, logger: TestDatabase.logger).migrate()
            let (keyOwner, jobOwner) = try await pool.withConnection { db in
                (
                    try db.query("SELECT owner FROM api_keys WHERE name = 'old'").single().decode("owner", as: String.self),
                    try db.query("SELECT owner FROM job_history WHERE job_id = \(jobID)").single().decode("owner", as: String.self)
                )
            }
            #expect(keyOwner == JobOwner.standard && jobOwner == JobOwner.standard)
            let refused = await #expect(throws: PostgresError.self) {
                try await pool.withConnection { db in try db.execute("UPDATE jobs SET owner = '../x' WHERE job_id = \(jobID)") }
            }
            #expect("\(refused.map { "\($0)" } ?? "")".contains("jobs_owner_name"))
        }
    }
}
