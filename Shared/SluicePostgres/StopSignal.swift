import Foundation

/// A one-way flag that a blocking thread checks between waits and that cuts its
/// sleeps short, so shutdown does not wait out a reconnect delay.
///
/// `@unchecked Sendable`: `stopped` is only read or written while holding `condition`.
final class StopSignal: @unchecked Sendable {
    /// NSCondition, not Mutex: `sleep(for:)` blocks its thread in a timed wait, which Mutex cannot do.
    private let condition = NSCondition()
    private var stopped = false

    var isStopped: Bool {
        condition.lock()
        defer { condition.unlock() }
        return stopped
    }

    func stop() {
        condition.lock()
        stopped = true
        condition.broadcast()
        condition.unlock()
    }

    /// Sleeps for `duration` or until stopped; returns true if stopped.
    func sleep(for duration: Duration) -> Bool {
        let deadline = Date(timeIntervalSinceNow: duration.seconds)
        condition.lock()
        defer { condition.unlock() }
        while !stopped && condition.wait(until: deadline) {}
        return stopped
    }
}
