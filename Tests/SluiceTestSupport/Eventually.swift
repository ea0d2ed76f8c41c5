/// Re-checks `condition` every 50 ms until it holds, for state a server offers no
/// event for (a quorum queue's depth while acknowledgements are still being applied);
/// returns whether it held within `limit`.
public func eventually(
    within limit: Duration = .seconds(10),
    _ condition: @Sendable () async throws -> Bool
) async throws -> Bool {
    let deadline = ContinuousClock.now + limit
    while ContinuousClock.now < deadline {
        if try await condition() { return true }
        try await Task.sleep(for: .milliseconds(50))
    }
    return try await condition()
}
