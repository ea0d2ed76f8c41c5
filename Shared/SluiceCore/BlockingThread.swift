import Foundation

/// One dedicated OS thread that runs blocking work (libpq calls, file I/O) in
/// submission order, so that it never occupies a thread of Swift's cooperative
/// pool and so that whatever the work touches is only ever touched by this thread.
///
/// `@unchecked Sendable`: every mutable field is guarded by `condition`.
public final class BlockingThread: @unchecked Sendable {
    /// Thrown by ``run(_:)`` once ``shutdown()`` has been called.
    public struct ShutDown: Error, CustomStringConvertible {
        public let threadName: String
        public var description: String { "blocking thread '\(threadName)' is shut down" }
    }

    public let name: String
    /// NSCondition, not Mutex: the thread blocks waiting for work, and `shutdown()` for the thread, which Mutex cannot do.
    private let condition = NSCondition()
    private var pending: [@Sendable () -> Void] = []
    private var accepting = true
    private var finished = false

    /// Starts the thread at once; it lives until ``shutdown()``.
    public init(name: String) {
        self.name = name
        Thread { [self] in
            nameCurrentThread(name)
            self.loop()
        }.start()
    }

    /// Runs `body` on this thread and returns its result to the caller's task.
    public func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, Error>) in
            let accepted = submit { continuation.resume(with: Result { try body() }) }
            if !accepted { continuation.resume(throwing: ShutDown(threadName: name)) }
        }
    }

    /// Queues `job`; returns false (and drops it) once the thread is shutting down.
    @discardableResult
    public func submit(_ job: @escaping @Sendable () -> Void) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        guard accepting else { return false }
        pending.append(job)
        condition.signal()
        return true
    }

    /// Stops taking work, lets queued work finish, and waits for the thread to exit.
    public func shutdown() {
        condition.lock()
        accepting = false
        condition.broadcast()
        while !finished { condition.wait() }
        condition.unlock()
    }

    private func loop() {
        while true {
            condition.lock()
            while pending.isEmpty && accepting { condition.wait() }
            let batch = pending
            pending.removeAll(keepingCapacity: true)
            let done = batch.isEmpty && !accepting
            if done {
                finished = true
                condition.broadcast()
            }
            condition.unlock()
            if done { return }
            for job in batch { job() }
        }
    }
}
