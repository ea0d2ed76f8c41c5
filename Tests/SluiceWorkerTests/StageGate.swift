import Synchronization

/// Named gates that ``EchoStage`` runs wait on or open, so a test can make one job's
/// stage wait for another job's: `awaits:<stage>:<gate>` waits (at most `timeout`) for
/// the gate that `opens:<stage>:<gate>` opens when its stage starts.
enum StageGate {
    private struct State {
        var open: Set<String> = []
        var waiters: [String: [CheckedContinuation<Bool, Never>]] = [:]
    }

    private static let state = Mutex(State())

    static func open(_ gate: String) {
        let waiting = state.withLock { state in
            state.open.insert(gate)
            return state.waiters.removeValue(forKey: gate) ?? []
        }
        waiting.forEach { $0.resume(returning: true) }
    }

    /// True once the gate is open; false if `timeout` passed first.
    static func wait(_ gate: String, timeout: Duration) async -> Bool {
        await withTaskGroup(of: Bool.self) { group in
            group.addTask {
                await withCheckedContinuation { continuation in
                    let isOpen = state.withLock { state in
                        if state.open.contains(gate) { return true }
                        state.waiters[gate, default: []].append(continuation)
                        return false
                    }
                    if isOpen { continuation.resume(returning: true) }
                }
            }
            group.addTask {
                try? await Task.sleep(for: timeout)
                return false
            }
            let first = await group.next() ?? false
            if !first { open(gate) }  // resumes the waiter, so the group can finish
            group.cancelAll()
            return first
        }
    }
}
