import Foundation
import SluiceClient
import SluiceContracts
import SluiceCore
import SluiceJobs
import SluicePostgres
import SluiceTestSupport
import Synchronization
import Testing
@testable import sluice

/// A job id's first 8 or more hex digits name the job wherever an id is taken, in the
/// API and the CLI; a prefix several jobs share is refused with the candidates.
@Suite struct JobIDPrefixTests {
    @Test func aReferenceIsAnIdOrAPrefixOfAtLeastEightHexDigits() throws {
        let id = try #require(UUID(uuidString: "64238b90-1f2e-4c3d-8e9f-0a1b2c3d4e5f"))
        #expect(JobReference("64238B90-1F2E-4C3D-8E9F-0A1B2C3D4E5F") == .id(id))
        #expect(JobReference("64238b90") == .prefix("64238b90"))
        #expect(JobReference("64238B90-1f") == .prefix("64238b901f"))
        #expect(JobReference("64238b90-") == .prefix("64238b90"))
        for refused in ["64238b9", "64238b901f", "64238b90_1f", "64238b9g", "", "../../etc", "64238b90-1f2e-4c3d-8e9f-0a1b2c3d4e5f0"] {
            #expect(JobReference(refused) == nil, "\(refused)")
        }
        let bounds = try #require(JobReference("64238b90-1f")).bounds
        #expect(bounds.lowest.uuidString.lowercased() == "64238b90-1f00-0000-0000-000000000000")
        #expect(bounds.highest.uuidString.lowercased() == "64238b90-1fff-ffff-ffff-ffffffffffff")
    }

    @Test func prefixesResolveInTheAPIAndTheCLI() async throws {
        try await TestPipeline.run(.gatewayOnly) { pipeline in
            // Three jobs that share their first 8 digits; two share 10.
            let prefix = String(UUID().uuidString.lowercased().prefix(8))
            let ids = try ["-1111-4000-8000-000000000001", "-2222-4000-8000-000000000002", "-2233-4000-8000-000000000003"]
                .map { try #require(UUID(uuidString: prefix + $0)) }
            let store = JobStore(pool: pipeline.pool)
            for id in ids {
                _ = try await store.createJob(.init(jobID: id, source: .cli, config: .init(rawJSON: "{}"), recordCount: 1, idempotencyKey: nil, traceID: "prefix"))
            }
            let lower = ids.map { $0.uuidString.lowercased() }

            let unique = try await pipeline.client.job(prefix + "-11")
            #expect(unique.status == 200 && unique.object()?["job_id"] as? String == lower[0], "\(unique.text)")
            #expect(try await pipeline.client.job((prefix + "-2233").uppercased()).object()?["job_id"] as? String == lower[2])
            #expect(try await pipeline.client.results(prefix + "-11").status == 409)
            #expect(try await pipeline.client.cancel(prefix + "-11").object()?["status"] as? String == "cancelled")

            for shared in [prefix, prefix + "-22"] {
                let ambiguous = try await pipeline.client.job(shared)
                #expect(ambiguous.status == 400 && ambiguous.error?.error.code == "ambiguous_job_id", "\(ambiguous.text)")
                let candidates = Set(ambiguous.error?.error.details.compactMap(\.message) ?? [])
                #expect(candidates == Set(shared == prefix ? lower : Array(lower[1...])))
            }
            #expect(try await pipeline.client.job(String(prefix.prefix(7))).status == 404)
            #expect(try await pipeline.client.job(prefix + "-3").status == 404)

            let gateway = ["--gateway", pipeline.client.baseURL.absoluteString, "--api-key", try #require(pipeline.client.apiKey)]
            try await SluiceCommand.run(["status", prefix + "-11"] + gateway)
            let reported = Mutex<[String]>([])
            let status = await Sluice.execute(["status", prefix] + gateway) { text in reported.withLock { $0.append(text) } }
            #expect(status == ProgramExit.failure)
            let text = reported.withLock { $0.joined(separator: "\n") }
            #expect(text.contains("ambiguous_job_id") && lower.allSatisfy(text.contains), "\(text)")
        }
    }
}
