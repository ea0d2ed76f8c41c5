import Synchronization

/// Hands out the pool's slots: an idle one at once, a new one while fewer than
/// `capacity` exist, otherwise after the callers already waiting (first in, first out).
///
/// Slots (threads and their connections) are created on demand, so a pool that is
/// never used opens nothing. The slots, waiters and shutdown flag are guarded by a `Mutex`.
final class SlotQueue: Sendable {
    private struct Waiter {
        let id: UInt64
        let continuation: CheckedContinuation<PoolSlot, any Error>
    }

    private struct State {
        var idle: [PoolSlot] = []
        var all: [PoolSlot] = []
        var waiters: [Waiter] = []
        var nextWaiterID: UInt64 = 0
        var isShutDown = false
    }

    private let capacity: Int
    private let makeSlot: @Sendable (Int) -> PoolSlot
    private let state = Mutex(State())

    init(capacity: Int, makeSlot: @escaping @Sendable (Int) -> PoolSlot) {
        self.capacity = capacity
        self.makeSlot = makeSlot
    }

    /// A slot for the caller's exclusive use until ``checkin(_:)``.
    ///
    /// - Throws: `CancellationError` if the task is cancelled while waiting;
    ///   ``PostgresError/Code/poolShutDown`` once the pool has shut down.
    func checkout() async throws -> PoolSlot {
        let id = state.withLock { state in
            defer { state.nextWaiterID += 1 }
            return state.nextWaiterID
        }
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<PoolSlot, any Error>) in
                let outcome: Result<PoolSlot, any Error>? = state.withLock { state in
                    if state.isShutDown { return .failure(Self.shutDownError) }
                    // Checked under the lock: a cancellation that came before the waiter was
                    // queued found nothing to remove, so it must be honoured here.
                    if Task.isCancelled { return .failure(CancellationError()) }
                    if let slot = state.idle.popLast() { return .success(slot) }
                    if state.all.count < capacity {
                        let slot = makeSlot(state.all.count)
                        state.all.append(slot)
                        return .success(slot)
                    }
                    state.waiters.append(Waiter(id: id, continuation: continuation))
                    return nil
                }
                if let outcome { continuation.resume(with: outcome) }
            }
        } onCancel: {
            let waiter = state.withLock { state in
                state.waiters.firstIndex { $0.id == id }.map { state.waiters.remove(at: $0) }
            }
            waiter?.continuation.resume(throwing: CancellationError())
        }
    }

    /// Returns `slot` to the next waiter, or to the idle slots.
    func checkin(_ slot: PoolSlot) {
        let waiter: Waiter? = state.withLock { state in
            if state.isShutDown { return nil }
            if state.waiters.isEmpty {
                state.idle.append(slot)
                return nil
            }
            return state.waiters.removeFirst()
        }
        waiter?.continuation.resume(returning: slot)
    }

    /// Refuses further checkouts, fails every waiter, and returns every slot ever made.
    func shutDown() -> [PoolSlot] {
        let (waiters, slots) = state.withLock { state in
            state.isShutDown = true
            defer {
                state.waiters = []
                state.idle = []
            }
            return (state.waiters, state.all)
        }
        for waiter in waiters { waiter.continuation.resume(throwing: Self.shutDownError) }
        return slots
    }

    private static var shutDownError: PostgresError {
        PostgresError(code: .poolShutDown, message: "the pool has shut down")
    }
}
