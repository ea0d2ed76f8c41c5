import Foundation
import Synchronization
import Testing
@testable import SluiceCore

@Suite struct BlockingThreadTests {
    @Test func runsAllWorkInOrderOnOneThreadOfItsOwn() async throws {
        let thread = BlockingThread(name: "test-blocking")
        defer { thread.shutdown() }
        let caller = UInt(pthread_self())
        let order = OrderLog()
        let threads = try await withThrowingTaskGroup(of: UInt.self) { group in
            for index in 0..<20 {
                group.addTask {
                    try await thread.run {
                        order.append(index)
                        return UInt(pthread_self())
                    }
                }
            }
            return try await group.reduce(into: Set<UInt>()) { $0.insert($1) }
        }
        #expect(threads.count == 1, "all work ran on one thread")
        #expect(!threads.contains(caller))
        // Submitted concurrently, so any order is possible; but each job ran once.
        #expect(order.values.sorted() == Array(0..<20))
    }

    @Test func aNameLongerThanLinuxKeepsIsCutRatherThanLost() async throws {
        let thread = BlockingThread(name: "sluice-gateway-0")
        defer { thread.shutdown() }
        // What the kernel holds for the thread, as top -H and perf show it.
        let name = try await thread.run { try String(contentsOfFile: "/proc/thread-self/comm", encoding: .utf8) }
        #expect(name == "sluice-gateway-\n")
    }

    /// Foundation's `Thread.name` setter raced with the new thread's start and, now and
    /// then, named nothing (CI saw a blocking thread still called by its creator's name).
    @Test func everyNewThreadCarriesItsNameFromItsFirstJob() async throws {
        for index in 0..<200 {
            let thread = BlockingThread(name: "named-\(index)")
            defer { thread.shutdown() }
            let name = try await thread.run { try String(contentsOfFile: "/proc/thread-self/comm", encoding: .utf8) }
            #expect(name == "named-\(index)\n")
        }
    }

    @Test func propagatesErrorsAndRefusesWorkAfterShutdown() async throws {
        struct Boom: Error {}
        let thread = BlockingThread(name: "test-shutdown")
        await #expect(throws: Boom.self) { try await thread.run { throw Boom() } }
        thread.shutdown()
        await #expect(throws: BlockingThread.ShutDown.self) { try await thread.run { 1 } }
    }
}

/// Records what the blocking thread ran, under a `Mutex`.
private final class OrderLog: Sendable {
    private let storage = Mutex<[Int]>([])
    func append(_ value: Int) { storage.withLock { $0.append(value) } }
    var values: [Int] { storage.withLock { $0 } }
}
