import ServiceLifecycle
import Synchronization

/// A fixed set of dedicated threads for blocking or long CPU-bound work (reading and
/// writing artifacts, parsing and checking a large batch, arithmetic over every
/// record), so that such work never holds a thread of Swift's cooperative pool, where
/// it would stall the AMQP, database and HTTP tasks of the same process.
///
/// Each call goes to the least busy thread. A `Service`: list it before what uses it
/// in the `ServiceGroup`, so that on shutdown its users finish first and the threads
/// stop after.
///
/// How much work each thread holds is guarded by a `Mutex`.
public final class BlockingThreadPool: Service, Sendable {
    private let threads: [BlockingThread]
    /// Calls queued or running on each thread.
    private let busy: Mutex<[Int]>

    /// Starts `count` threads (at least one) named `name-0`, `name-1`, ….
    public init(count: Int, name: String) {
        let threads = (0..<max(1, count)).map { BlockingThread(name: "\(name)-\($0)") }
        self.threads = threads
        busy = Mutex(Array(repeating: 0, count: threads.count))
    }

    /// Runs `body` on the least busy thread and returns its result.
    public func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        let index = busy.withLock { busy in
            let index = busy.indices.min { busy[$0] < busy[$1] }!
            busy[index] += 1
            return index
        }
        defer { busy.withLock { $0[index] -= 1 } }
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
