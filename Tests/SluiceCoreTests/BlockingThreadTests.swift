import Foundation
import Testing
@testable import SluiceCore

@Suite struct BlockingThreadTests {
    @Test func runsWorkInOrderOnOneNamedThread() async throws {
        let thread = BlockingThread(name: "test-blocking")
        defer { thread.shutdown() }
        let names = try await withThrowingTaskGroup(of: String?.self) { group in
            for _ in 0..<20 { group.addTask { try await thread.run { Thread.current.name } } }
            return try await group.reduce(into: Set<String?>()) { $0.insert($1) }
        }
        #expect(names == ["test-blocking"])
    }

    @Test func propagatesErrorsAndRefusesWorkAfterShutdown() async throws {
        struct Boom: Error {}
        let thread = BlockingThread(name: "test-shutdown")
        await #expect(throws: Boom.self) { try await thread.run { throw Boom() } }
        thread.shutdown()
        await #expect(throws: BlockingThread.ShutDown.self) { try await thread.run { 1 } }
    }
}
