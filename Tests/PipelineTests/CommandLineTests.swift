import ArgumentParser
import Foundation
import SluiceClient
import SluiceTestSupport
import Testing
@testable import sluice

/// The `sluice` commands that talk to the gateway, parsed and run as a user types them.
@Suite struct CommandLineTests {
    @Test func submitStatusJobsAndRefusals() async throws {
        try await TestPipeline.run(.gatewayOnly) { pipeline in
            let gateway = ["--gateway", pipeline.client.baseURL.absoluteString, "--api-key", try #require(pipeline.client.apiKey)]
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent("sluice-cli-\(UUID())")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: folder) }
            let good = folder.appendingPathComponent("good.csv")
            try Data("id,value,category\n1,1.5,A\n2,2.5,B\n".utf8).write(to: good)
            let bad = folder.appendingPathComponent("bad.ndjson")
            try Data("{\"id\": 1, \"value\": \"Infinity\", \"category\": \"A\"}\n".utf8).write(to: bad)

            try await SluiceCommand.run(["submit", good.path, "--set", "compare_pipelines=false", "--idempotency-key", "cli-1"] + gateway)
            try await SluiceCommand.run(["submit", good.path, "--idempotency-key", "cli-1"] + gateway)
            #expect(try await pipeline.jobCount() == 1)
            let id = try #require(try await pipeline.client.jobs().object()?["jobs"] as? [[String: Any]]).first?["job_id"] as? String
            try await SluiceCommand.run(["status", try #require(id)] + gateway)
            try await SluiceCommand.run(["jobs", "--status", "queued"] + gateway)

            await #expect(throws: CommandFailure.self) { try await SluiceCommand.run(["submit", bad.path] + gateway) }
            await #expect(throws: CommandFailure.self) { try await SluiceCommand.run(["results", try #require(id)] + gateway) }
            await #expect(throws: CommandFailure.self) { try await SluiceCommand.run(["status", UUID().uuidString] + gateway) }
            #expect(throws: (any Error).self) { try Sluice.parseAsRoot(["submit"]) }
            await #expect(throws: (any Error).self) { try await SluiceCommand.run(["submit", good.path, "--set", "nokey"] + gateway) }
            #expect(try await pipeline.jobCount() == 1)
        }
    }

    @Test func watchAndSubmitWaitExitByTheJobsEnd() async throws {
        try await TestPipeline.run(.gatewayOnly) { pipeline in
            let gateway = ["--gateway", pipeline.client.baseURL.absoluteString, "--api-key", try #require(pipeline.client.apiKey)]
            let file = FileManager.default.temporaryDirectory.appendingPathComponent("sluice-cli-\(UUID()).csv")
            try Data("id,value,category\n1,1.5,A\n".utf8).write(to: file)
            defer { try? FileManager.default.removeItem(at: file) }

            // No worker runs: the job stays queued, and --wait gives up after its timeout.
            await #expect(throws: ExitCode(3)) { try await SluiceCommand.run(["submit", file.path, "--wait", "--timeout", "1"] + gateway) }
            let id = try #require(try await pipeline.client.jobs().object()?["jobs"] as? [[String: Any]]).first?["job_id"] as? String
            #expect(try await pipeline.client.cancel(try #require(id)).status == 200)
            await #expect(throws: ExitCode(2)) { try await SluiceCommand.run(["watch", try #require(id)] + gateway) }
            await #expect(throws: GatewayClientError.self) { try await SluiceCommand.run(["watch", UUID().uuidString] + gateway) }

            // A file without an extension (or standard input, `-`) needs --format.
            let bare = file.deletingPathExtension()
            try FileManager.default.copyItem(at: file, to: bare)
            defer { try? FileManager.default.removeItem(at: bare) }
            let jobs = try await pipeline.jobCount()
            await #expect(throws: (any Error).self) { try await SluiceCommand.run(["submit", bare.path] + gateway) }
            await #expect(throws: (any Error).self) { try await SluiceCommand.run(["submit", "-"] + gateway) }
            try await SluiceCommand.run(["submit", bare.path, "--format", "csv"] + gateway)
            #expect(try await pipeline.jobCount() == jobs + 1)
        }
    }

}
