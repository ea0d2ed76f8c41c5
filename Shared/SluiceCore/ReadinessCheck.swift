import Synchronization

/// One thing a process needs to take work (the database, the broker, a warm Spark
/// driver); its probe throws, saying why, when that thing is not available. `/ready`
/// endpoints run them all.
public struct ReadinessCheck: Sendable {
    /// What a passing check reports.
    public static let passed = "ok"
    /// How long ``evaluate(_:within:)`` waits for a probe by default: less than the
    /// timeouts of orchestrators' probes, more than a healthy server needs.
    public static let defaultLimit: Duration = .seconds(4)

    public let name: String
    public let probe: @Sendable () async throws -> Void

    public init(_ name: String, probe: @escaping @Sendable () async throws -> Void) {
        self.name = name
        self.probe = probe
    }

    /// Runs `checks` at once: each check's name with ``passed`` or the reason it failed.
    ///
    /// A probe that has not answered within `limit` counts as failed ("no answer
    /// within …"); the answer does not wait for it (it finishes on its own), so `/ready`
    /// answers within about `limit` even while a server hangs.
    public static func evaluate(_ checks: [ReadinessCheck], within limit: Duration = defaultLimit) async -> [String: String] {
        await withTaskGroup(of: (String, String).self) { group in
            for check in checks {
                group.addTask { (check.name, await check.outcome(within: limit)) }
            }
            var results: [String: String] = [:]
            for await (name, result) in group { results[name] = result }
            return results
        }
    }

    /// ``passed``, the probe's error, or "no answer within `limit`", whichever comes first.
    func outcome(within limit: Duration) async -> String {
        await withCheckedContinuation { continuation in
            let answer = FirstAnswer(continuation)
            let timer = Task {
                try await Task.sleep(for: limit)
                answer.give("no answer within \(limit)")
            }
            let probe = self.probe
            Task {
                defer { timer.cancel() }
                do {
                    try await probe()
                    answer.give(Self.passed)
                } catch {
                    answer.give("\(error)")
                }
            }
        }
    }
}

/// Resumes a continuation with the first of several racing answers; later ones are dropped.
///
/// The continuation, until taken, is guarded by a `Mutex`.
private final class FirstAnswer: Sendable {
    private let continuation: Mutex<CheckedContinuation<String, Never>?>

    init(_ continuation: CheckedContinuation<String, Never>) {
        self.continuation = Mutex(continuation)
    }

    func give(_ answer: String) {
        let waiting = continuation.withLock { $0.take() }
        waiting?.resume(returning: answer)
    }
}
