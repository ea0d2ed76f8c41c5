import Synchronization

/// Counts the deliveries the application has taken and not yet settled, for the
/// consumer's current connection, so that graceful shutdown can wait for exactly
/// those: deliveries still buffered when consuming stops are never handed out, and
/// go back to the queue when the connection closes.
///
/// Its state is guarded by a `Mutex`. Used by the consumer's thread (connections,
/// settlements) and by the tasks iterating deliveries.
final class DeliveryLedger: Sendable {
    private struct State {
        var generation: UInt64 = 0
        var outstanding = 0
        var stopped = false
        var waiters: [CheckedContinuation<Void, Never>] = []

        mutating func takeWaitersIfIdle(resetting: Bool) -> [CheckedContinuation<Void, Never>] {
            if resetting { outstanding = 0 }
            guard outstanding == 0 else { return [] }
            defer { waiters.removeAll() }
            return waiters
        }
    }

    private let state = Mutex(State())

    /// A new connection: deliveries of earlier ones can no longer be settled.
    func connected(generation: UInt64) {
        resume(state.withLock { state in
            state.generation = generation
            return state.takeWaitersIfIdle(resetting: true)
        })
    }

    /// The connection is gone; the broker takes back what was handed out on it.
    func connectionLost() {
        resume(state.withLock { $0.takeWaitersIfIdle(resetting: true) })
    }

    /// No more deliveries are to be handed out.
    func stop() {
        state.withLock { $0.stopped = true }
    }

    /// Records that the application takes a delivery; false when it should be
    /// skipped (consuming stopped, or its connection is gone).
    func take(generation: UInt64) -> Bool {
        state.withLock { state in
            guard !state.stopped, generation == state.generation else { return false }
            state.outstanding += 1
            return true
        }
    }

    /// Records a settlement that reached the broker.
    func settled(generation: UInt64) {
        resume(state.withLock { state in
            guard generation == state.generation else { return [] }
            state.outstanding -= 1
            return state.takeWaitersIfIdle(resetting: false)
        })
    }

    /// Whether nothing taken on the current connection is unsettled.
    var isIdle: Bool { state.withLock { $0.outstanding == 0 } }

    /// Returns once nothing taken on the current connection is unsettled.
    func waitUntilSettled() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let idle = state.withLock { state in
                if state.outstanding == 0 { return true }
                state.waiters.append(continuation)
                return false
            }
            if idle { continuation.resume() }
        }
    }

    private func resume(_ waiters: [CheckedContinuation<Void, Never>]) {
        waiters.forEach { $0.resume() }
    }
}
