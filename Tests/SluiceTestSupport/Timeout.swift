/// Thrown by ``withTimeout(_:waitingFor:_:)`` when the time limit passes first.
public struct TimedOut: Error, CustomStringConvertible {
    public let limit: Duration
    public let what: String
    public var description: String { "timed out after \(limit) waiting for \(what)" }
}

/// Runs `body`, failing with ``TimedOut`` if it takes longer than `limit`: every wait
/// in the tests is bounded.
public func withTimeout<Result: Sendable>(
    _ limit: Duration,
    waitingFor what: String = "the operation",
    _ body: @escaping @Sendable () async throws -> Result
) async throws -> Result {
    try await withThrowingTaskGroup(of: Result.self) { group in
        group.addTask { try await body() }
        group.addTask {
            try await Task.sleep(for: limit)
            throw TimedOut(limit: limit, what: what)
        }
        defer { group.cancelAll() }
        return try await group.next()!
    }
}
