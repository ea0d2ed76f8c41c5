import ServiceLifecycle

/// Runs `groups` while `body` runs, then shuts them down gracefully and waits for them
/// to stop, also when `body` throws: a test never leaves a service running.
public func whileRunning<T: Sendable>(_ groups: [ServiceGroup], _ body: () async throws -> T) async throws -> T {
    try await withThrowingTaskGroup(of: Void.self) { tasks in
        for group in groups { tasks.addTask { try await group.run() } }
        let outcome: Result<T, any Error>
        do { outcome = .success(try await body()) } catch { outcome = .failure(error) }
        for group in groups { await group.triggerGracefulShutdown() }
        try await tasks.waitForAll()
        return try outcome.get()
    }
}
