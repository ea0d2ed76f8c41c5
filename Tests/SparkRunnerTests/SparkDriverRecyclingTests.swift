import Foundation
import Logging
import SluiceCore
import Testing
@testable import spark_runner

/// The supervisor's recycling against a real PySpark driver: a driver that has taken
/// its last job finishes the jobs it holds, and the next one takes the rest.
@Suite struct SparkDriverRecyclingTests {
    @Test func withMaxJobsTwoThreeConcurrentRequestsRunOnTwoGenerationsAndAllSucceed() async throws {
        var configuration = SparkStageTests.configuration
        configuration.maxJobs = 2
        let driver = SparkDriver(configuration: configuration, logger: Logger(label: "test") { _ in SwiftLogNoOpLogHandler() })
        defer { driver.stop() }
        let input = FileManager.default.temporaryDirectory.appendingPathComponent("sluice-recycling-\(UUID()).csv")
        try Data(SparkStageTests.normalized.utf8).write(to: input)
        defer { try? FileManager.default.removeItem(at: input) }

        // Sent together: two go to the first driver, the third queues while that one drains.
        let answers = try await withTimeout(.seconds(300), waitingFor: "three requests over two driver generations") {
            try await withThrowingTaskGroup(of: SparkDriver.Answer.self) { group in
                for n in 1...3 {
                    group.addTask {
                        try await driver.send(["request_id": "r\(n)", "job_id": "j\(n)", "input": input.path, "compare_pipelines": true], id: "r\(n)")
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
        }
        #expect(answers.map(\.reply.ok) == [true, true, true])
        #expect(answers.map(\.reply.records) == [3, 3, 3])
        #expect(answers.map(\.generation).sorted() == [1, 1, 2])
    }
}
