/// Thrown by ``withTimeout(_:waitingFor:_:)`` when the time limit passes first.
public struct TimedOut: Error, CustomStringConvertible {
    /// The limit that passed.
    public let limit: Duration
    /// What was waited for, in words.
    public let what: String
    public var description: String { "timed out after \(limit) waiting for \(what)" }
}

/// Runs `body`, failing with ``TimedOut`` (and cancelling `body`) if it takes longer
/// than `limit`.
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
