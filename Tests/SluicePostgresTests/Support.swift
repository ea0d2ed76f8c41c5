import Dispatch
import Foundation
import Logging
import SluiceCore
import SluicePostgres
import SluiceTestSupport
import Testing

/// The next event of `listener` that `matches`, waiting at most `limit`.
@discardableResult
func nextEvent(
    of listener: PostgresListener,
    within limit: Duration = .seconds(15),
    where matches: @escaping @Sendable (PostgresListener.Event) -> Bool = { _ in true }
) async throws -> PostgresListener.Event {
    try await withTimeout(limit) {
        for await event in listener.events where matches(event) {
            return event
        }
        throw CancellationError()
    }
}

/// Runs `body` while `listener` runs, as in a ServiceGroup, and stops it after.
func withListener<Result: Sendable>(
    _ listener: PostgresListener,
    _ body: () async throws -> Result
) async throws -> Result {
    try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask { try await listener.run() }
        let result = try await body()
        group.cancelAll()
        return result
    }
}

/// The `PostgresError` that `body` throws, or nil. For closures that run on a pool's
/// thread, where `#expect` cannot attribute an issue to the running test.
func postgresError(_ body: () throws -> Void) -> PostgresError? {
    do {
        try body()
        return nil
    } catch {
        return error as? PostgresError
    }
}

/// Runs `body` while a task holds every connection of `pool` (a pool of one), and
/// returns the connection after.
func whileTheOnlyConnectionIsHeld<Result: Sendable>(
    _ pool: PostgresPool,
    _ body: () async throws -> Result
) async throws -> Result {
    let release = DispatchSemaphore(value: 0)
    let (held, holding) = AsyncStream.makeStream(of: Void.self)
    let holder = Task {
        try await pool.withConnection { _ in
            holding.yield()
            // Bounded, so a failing test cannot wedge the pool's thread.
            _ = release.wait(timeout: .now() + 20)
        }
    }
    try await withTimeout(.seconds(10)) {
        for await _ in held { return }
    }
    let result: Result
    do {
        result = try await body()
    } catch {
        release.signal()
        throw error
    }
    release.signal()
    try await holder.value
    return result
}
