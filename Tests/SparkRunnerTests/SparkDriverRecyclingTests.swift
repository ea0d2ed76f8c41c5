import Foundation
import Logging
import SluiceCore
import Testing
@testable import spark_runner

/// The supervisor's recycling against a real PySpark driver: a driver that has reached
/// a limit finishes the jobs it holds, and the next one takes the rest.
@Suite struct SparkDriverRecyclingTests {
    let input = FileManager.default.temporaryDirectory.appendingPathComponent("sluice-recycling-\(UUID()).csv")

    init() throws {
        try Data(SparkStageTests.normalized.utf8).write(to: input)
    }

    func driver(recycling: (inout SparkConfiguration) -> Void) -> SparkDriver {
        var configuration = SparkStageTests.configuration
        recycling(&configuration)
        return SparkDriver(configuration: configuration, logger: Logger(label: "test") { _ in SwiftLogNoOpLogHandler() })
    }

    /// Sends the requests `ids` for the seed sample at once and returns their answers.
    func send(_ ids: ClosedRange<Int>, to driver: SparkDriver) async throws -> [SparkDriver.Answer] {
        try await withTimeout(.seconds(300), waitingFor: "requests \(ids) over recycled drivers") { [input] in
            try await withThrowingTaskGroup(of: SparkDriver.Answer.self) { group in
                for n in ids {
                    group.addTask { try await driver.send(["request_id": "r\(n)", "job_id": "j\(n)", "input": input.path], id: "r\(n)") }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
        }
    }

    @Test func withMaxJobsTwoThreeConcurrentRequestsRunOnTwoGenerationsAndAllSucceed() async throws {
        let driver = driver { $0.maxJobs = 2 }
        defer { driver.stop(); try? FileManager.default.removeItem(at: input) }
        // Two go to the first driver, the third queues while that one drains.
        let answers = try await send(1...3, to: driver)
        #expect(answers.map(\.reply.ok) == [true, true, true])
        #expect(answers.map(\.reply.records) == [3, 3, 3])
        #expect(answers.map(\.generation).sorted() == [1, 1, 2])
    }

    @Test func aDriverPastMaxAgeServesWhatWaitsForItAndIsReplacedAfter() async throws {
        let driver = driver { $0.maxAge = .milliseconds(1) }
        defer { driver.stop(); try? FileManager.default.removeItem(at: input) }
        // Older than its limit before it is ready, the first driver still serves the request
        // waiting for it (no endless restarts), then the next request finds its successor.
        let first = try await send(1...1, to: driver)
        let second = try await send(2...2, to: driver)
        #expect((first + second).map(\.reply.ok) == [true, true])
        #expect((first + second).map(\.generation) == [1, 2])
    }
}
