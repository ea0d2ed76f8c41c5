import Foundation

/// Counts the deliveries the application has taken and not yet settled, for the
/// consumer's current connection, so that graceful shutdown can wait for exactly
/// those: deliveries still buffered when consuming stops are never handed out, and
/// go back to the queue when the connection closes.
///
/// `@unchecked Sendable`: every field is guarded by `lock`. Used by the consumer's
/// thread (connections, settlements) and by the tasks iterating deliveries.
final class DeliveryLedger: @unchecked Sendable {
    private let lock = NSLock()
    private var generation: UInt64 = 0
    private var outstanding = 0
    private var stopped = false
    private var waiters: [CheckedContinuation<Void, Never>] = []

    /// A new connection: deliveries of earlier ones can no longer be settled.
    func connected(generation: UInt64) {
        resume(lock.withLock {
            self.generation = generation
            return takeWaitersIfIdle(resetting: true)
        })
    }

    /// The connection is gone; the broker takes back what was handed out on it.
    func connectionLost() {
        resume(lock.withLock { takeWaitersIfIdle(resetting: true) })
    }

    /// No more deliveries are to be handed out.
    func stop() {
        lock.withLock { stopped = true }
    }

    /// Records that the application takes a delivery; false when it should be
    /// skipped (consuming stopped, or its connection is gone).
    func take(generation: UInt64) -> Bool {
        lock.withLock {
            guard !stopped, generation == self.generation else { return false }
            outstanding += 1
            return true
        }
    }

    /// Records a settlement that reached the broker.
    func settled(generation: UInt64) {
        resume(lock.withLock {
            guard generation == self.generation else { return [] }
            outstanding -= 1
            return takeWaitersIfIdle(resetting: false)
        })
    }

    /// Returns once nothing taken on the current connection is unsettled.
    func waitUntilSettled() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let idle = lock.withLock {
                if outstanding == 0 { return true }
                waiters.append(continuation)
                return false
            }
            if idle { continuation.resume() }
        }
    }

    private func takeWaitersIfIdle(resetting: Bool) -> [CheckedContinuation<Void, Never>] {
        if resetting { outstanding = 0 }
        guard outstanding == 0 else { return [] }
        defer { waiters.removeAll() }
        return waiters
    }

    private func resume(_ waiters: [CheckedContinuation<Void, Never>]) {
        waiters.forEach { $0.resume() }
    }
}
