import Foundation
import Logging
import SluiceColumns
import SluiceCore
import Testing
@testable import spark_runner

/// The supervisor's recycling, batching and concurrency against a real PySpark driver: a
/// driver that has reached a limit finishes the jobs it holds, and the next one takes the
/// rest; small requests that wait together share a Spark job, at most a batch's worth
/// each; a request is answered while another is held mid-job.
/// One test at a time: each starts JVMs of its own, and on two cores several at once
/// starve the full-pipeline suites that run beside them.
@Suite(.serialized) struct SparkDriverRecyclingTests {
    let input = FileManager.default.temporaryDirectory.appendingPathComponent("sluice-recycling-\(UUID()).parquet")

    init() throws {
        try RecordParquet.write(SparkStageTests.normalized, to: input)
    }

    func driver(recycling: (inout SparkConfiguration) -> Void) -> SparkDriver {
        var configuration = SparkStageTests.configuration
        recycling(&configuration)
        return SparkDriver(configuration: configuration, logger: Logger(label: "test") { _ in SwiftLogNoOpLogHandler() })
    }

    /// Sends the requests `ids` for the seed sample at once and returns their answers.
    func send(_ ids: ClosedRange<Int>, to driver: SparkDriver, batchable: Bool = false) async throws -> [SparkDriver.Answer] {
        try await withTimeout(.seconds(300), waitingFor: "requests \(ids) over recycled drivers") { [input] in
            try await withThrowingTaskGroup(of: SparkDriver.Answer.self) { group in
                // Inputs of their own: a batch reads each file once.
                let copies = ids.map { input.deletingPathExtension().appendingPathExtension("\($0).parquet") }
                defer { copies.forEach { try? FileManager.default.removeItem(at: $0) } }
                for (n, copy) in zip(ids, copies) {
                    try FileManager.default.copyItem(at: input, to: copy)
                    group.addTask {
                        try await driver.send(["request_id": "r\(n)", "job_id": "j\(n)", "input": copy.path], id: "r\(n)", batchable: batchable)
                    }
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

    @Test func smallRequestsWaitingTogetherShareASparkJobOfAtMostABatchSize() async throws {
        // A linger far longer than the test: a batch leaves only when it is full.
        let driver = driver { $0.batchSize = 3; $0.batchLinger = .seconds(600) }
        defer { driver.stop(); try? FileManager.default.removeItem(at: input) }
        let answers = try await send(1...6, to: driver, batchable: true)
        #expect(answers.map(\.reply.ok) == Array(repeating: true, count: 6))
        #expect(answers.map(\.reply.records) == Array(repeating: 3, count: 6))
        #expect(answers.map { $0.reply.batch?.jobs } == Array(repeating: 3, count: 6))
        #expect(answers.map { $0.reply.batch?.records } == Array(repeating: 9, count: 6))
        #expect(Set(answers.compactMap(\.reply.requestID)) == Set((1...6).map { "r\($0)" }))
    }

    @Test func aSmallRequestIsAnsweredWhileAnotherIsHeldMidJob() async throws {
        let driver = driver { $0.concurrency = 2 }
        defer { driver.stop(); try? FileManager.default.removeItem(at: input) }
        // A part that is a pipe nobody writes yet: the driver, opening it, is held mid-job until the test lets it go.
        let held = input.deletingPathExtension().appendingPathExtension("held.parquet")
        try FileManager.default.createDirectory(at: held, withIntermediateDirectories: true)
        let part = held.appendingPathComponent(RecordParquet.partName(0))
        try #require(mkfifo(part.path, 0o600) == 0)
        defer { try? FileManager.default.removeItem(at: held) }
        let holding = Task { try await driver.send(["request_id": "held", "job_id": "j-held", "input": held.path], id: "held") }
        try await withTimeout(.seconds(180), waitingFor: "the held request to reach the driver") {
            while driver.requestsInFlight == 0 { try await Task.sleep(for: .milliseconds(10)) }
        }

        let small = try await send(1...1, to: driver, batchable: true)

        #expect(small.map(\.reply.ok) == [true])
        #expect(driver.requestsInFlight == 1, "the held request is still in the driver")
        // A writer that closes at once: the held request finds an empty part.
        close(open(part.path, O_WRONLY))
        let released = try await holding.value
        #expect(released.reply.ok == false && released.reply.error?.kind == "input_invalid")
    }

    @Test func inColdModeEachRequestGetsADriverOfItsOwnAndNoneRunsBetween() async throws {
        let driver = driver { $0.cold = true; $0.maxJobs = 1; $0.batchSize = 1 }
        defer { driver.stop(); try? FileManager.default.removeItem(at: input) }
        let first = try await send(1...1, to: driver)
        #expect(driver.processIdentifier == nil, "the first job's driver stopped after it, and none was started ahead")
        let second = try await send(2...2, to: driver)
        #expect((first + second).map(\.reply.ok) == [true, true])
        #expect((first + second).map(\.generation) == [1, 2])
    }
}
