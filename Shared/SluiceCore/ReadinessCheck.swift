/// One thing a process needs to take work (the database, the broker, a warm Spark
/// driver); its probe throws, saying why, when that thing is not available. `/ready`
/// endpoints run them all.
public struct ReadinessCheck: Sendable {
    /// What a passing check reports.
    public static let passed = "ok"

    public let name: String
    public let probe: @Sendable () async throws -> Void

    public init(_ name: String, probe: @escaping @Sendable () async throws -> Void) {
        self.name = name
        self.probe = probe
    }

    /// Runs `checks` at once: each check's name with ``passed`` or the reason it failed.
    public static func evaluate(_ checks: [ReadinessCheck]) async -> [String: String] {
        await withTaskGroup(of: (String, String).self) { group in
            for check in checks {
                group.addTask {
                    do {
                        try await check.probe()
                        return (check.name, passed)
                    } catch {
                        return (check.name, "\(error)")
                    }
                }
            }
            var results: [String: String] = [:]
            for await (name, result) in group { results[name] = result }
            return results
        }
    }
}
