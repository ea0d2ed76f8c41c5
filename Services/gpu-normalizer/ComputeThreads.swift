import Foundation
import ServiceLifecycle
import SluiceCore

/// Dedicated threads for the normalizer's blocking work (reading and writing
/// artifacts, the arithmetic over every record), so that a large job never holds a
/// thread of Swift's cooperative pool, where it would stall the AMQP and database
/// tasks of the same process.
///
/// One thread per job worked on at once (the worker's prefetch); each job goes to the
/// least busy thread. A `Service`: list it before the stage runner in the
/// `ServiceGroup`, so that on shutdown the runner finishes its jobs first and the
/// threads stop after.
///
/// `@unchecked Sendable`: `busy` is only touched under `lock`; the threads are Sendable.
final class ComputeThreads: Service, @unchecked Sendable {
    private let threads: [BlockingThread]
    private let lock = NSLock()
    private var busy: [Int]

    /// Starts `count` threads (at least one) named `name-0`, `name-1`, ….
    init(count: Int, name: String = "sluice-norm") {
        threads = (0..<max(1, count)).map { BlockingThread(name: "\(name)-\($0)") }
        busy = Array(repeating: 0, count: threads.count)
    }

    /// Runs `body` on the least busy thread and returns its result.
    func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
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
    func run() async throws {
        try? await gracefulShutdown()
        shutdown()
    }

    /// Stops taking work and waits for the threads to finish what they hold.
    func shutdown() {
        for thread in threads { thread.shutdown() }
    }
}
