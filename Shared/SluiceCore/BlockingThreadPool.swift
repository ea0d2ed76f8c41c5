import Foundation
import ServiceLifecycle

/// A fixed set of dedicated threads for blocking or long CPU-bound work (reading and
/// writing artifacts, parsing and checking a large batch, arithmetic over every
/// record), so that such work never holds a thread of Swift's cooperative pool, where
/// it would stall the AMQP, database and HTTP tasks of the same process.
///
/// Each call goes to the least busy thread. A `Service`: list it before what uses it
/// in the `ServiceGroup`, so that on shutdown its users finish first and the threads
/// stop after.
///
/// `@unchecked Sendable`: `busy` is only touched under `lock`; the threads are Sendable.
public final class BlockingThreadPool: Service, @unchecked Sendable {
    private let threads: [BlockingThread]
    private let lock = NSLock()
    private var busy: [Int]

    /// Starts `count` threads (at least one) named `name-0`, `name-1`, ….
    public init(count: Int, name: String) {
        threads = (0..<max(1, count)).map { BlockingThread(name: "\(name)-\($0)") }
        busy = Array(repeating: 0, count: threads.count)
    }

    /// Runs `body` on the least busy thread and returns its result.
    public func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        let index = lock.withLock {
            let index = busy.indices.min { busy[$0] < busy[$1] }!
            busy[index] += 1
            return index
        }
        defer { lock.withLock { busy[index] -= 1 } }
        return try await threads[index].run(body)
    }

    /// Waits for graceful shutdown (or cancellation), then stops the threads once the
    /// work queued on them is done.
    public func run() async throws {
        try? await gracefulShutdown()
        shutdown()
    }

    /// Stops taking work and waits for the threads to finish what they hold.
    public func shutdown() {
        for thread in threads { thread.shutdown() }
    }
}
