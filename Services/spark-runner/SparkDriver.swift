import Foundation
import Logging
import ServiceLifecycle
import SluiceCore

/// Supervises the long-lived PySpark driver (`driver/sluice_spark_driver.py`): starts
/// it on first use and waits for its ready line, sends requests as JSON lines on its
/// stdin, and hands each reply line to the request with the same `request_id`. When
/// the driver dies, every request waiting on it fails with ``DriverError/crashed`` and
/// the next request starts a new one, so one job's crash costs a retry, not the service.
///
/// `@unchecked Sendable`: the mutable state is guarded by `lock`; the pipes are
/// written by `writer` and read by a reader thread of each driver's own.
final class SparkDriver: Service, @unchecked Sendable {
    /// Why a request got no reply.
    enum DriverError: Error, CustomStringConvertible {
        case crashed(String)
        case couldNotStart(String)
        var description: String {
            switch self {
            case .crashed(let why): "the Spark driver died: \(why)"
            case .couldNotStart(let why): "the Spark driver did not start: \(why)"
            }
        }
    }

    private struct Running {
        let process: Process
        let input: FileHandle
        let generation: Int
        var ready: Bool
    }

    private let configuration: SparkConfiguration
    private let logger: Logger
    private let writer = BlockingThread(name: "spark-driver-in")
    private let lock = NSLock()
    private var running: Running?
    private var generations = 0
    private var readyWaiters: [CheckedContinuation<Void, Error>] = []
    private var replyWaiters: [String: CheckedContinuation<(DriverReply, String), Error>] = [:]

    init(configuration: SparkConfiguration, logger: Logger) {
        self.configuration = configuration
        self.logger = logger
        // Writing to a driver that just died must be an error to handle, not a signal that ends the service.
        signal(SIGPIPE, SIG_IGN)
    }

    /// Sends `request` (a JSON object with a `request_id`) and returns the reply and its raw line.
    func send(_ request: [String: any Sendable], id: String) async throws -> (DriverReply, String) {
        try await ensureReady()
        let line = try JSONSerialization.data(withJSONObject: request, options: [.sortedKeys]) + Data("\n".utf8)
        return try await withCheckedThrowingContinuation { continuation in
            let input: FileHandle? = lock.withLock {
                guard let running, running.ready else { return nil }
                replyWaiters[id] = continuation
                return running.input
            }
            guard let input else {
                continuation.resume(throwing: DriverError.crashed("it stopped before the request was sent"))
                return
            }
            writer.submit { [self] in
                do { try input.write(contentsOf: line) } catch {
                    lock.withLock { replyWaiters.removeValue(forKey: id) }?.resume(throwing: DriverError.crashed("writing to it failed: \(error)"))
                }
            }
        }
    }

    /// Starts the driver at once, so its session is warm before the first job (a
    /// failure is logged: the first request tries again), and stops it on graceful shutdown.
    func run() async throws {
        do { try await ensureReady() } catch { logger.error("the Spark driver did not start; the first job will retry", metadata: ["error": "\(error)"]) }
        try? await gracefulShutdown()
        stop()
    }

    /// Stops the driver: closing its stdin makes it stop its session and exit; SIGTERM
    /// makes sure. The next request would start a new one.
    func stop() {
        let process = lock.withLock { () -> Process? in
            defer { running = nil }
            try? running?.input.close()
            return running?.process
        }
        if let process, process.isRunning { process.terminate() }
    }

    /// The driver's process id, while one runs (for tests that kill it).
    var processIdentifier: Int32? { lock.withLock { running?.process.processIdentifier } }

    /// `/ready`'s answer while no driver is warm.
    struct NotReady: Error, CustomStringConvertible {
        var description: String { "the Spark driver is starting or restarting" }
    }

    /// Whether a driver is running and has answered its start-up handshake.
    var isReady: Bool { lock.withLock { running?.ready ?? false } }

    private func ensureReady() async throws {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, Error>) in
            let action: () -> Void = lock.withLock {
                if let running, running.ready { return { continuation.resume() } }
                readyWaiters.append(continuation)
                if running != nil { return {} }
                return { [self] in start() }
            }
            action()
        }
    }

    private func start() {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: configuration.python)
        process.arguments = [configuration.driverScript, "--master", configuration.master] + configuration.extraArguments
        let stdin = Pipe(), stdout = Pipe()
        process.standardInput = stdin
        process.standardOutput = stdout
        process.standardError = FileHandle.standardError
        let generation: Int = lock.withLock {
            generations += 1
            running = Running(process: process, input: stdin.fileHandleForWriting, generation: generations, ready: false)
            return generations
        }
        do {
            try process.run()
        } catch {
            fail(generation, DriverError.couldNotStart("\(configuration.python) \(configuration.driverScript): \(error)"))
            return
        }
        logger.info("starting the Spark driver", metadata: ["spark.master": "\(configuration.master)", "spark.pid": "\(process.processIdentifier)"])
        let output = stdout.fileHandleForReading
        Thread { [self] in
            nameCurrentThread("spark-driver-out")
            readReplies(from: output, generation: generation)
        }.start()
    }

    /// Reads reply lines until the driver's stdout closes (it exited or died).
    private func readReplies(from output: FileHandle, generation: Int) {
        var buffer = Data()
        while true {
            let chunk = output.availableData
            if chunk.isEmpty { break }
            buffer.append(chunk)
            while let newline = buffer.firstIndex(of: UInt8(ascii: "\n")) {
                let line = buffer[buffer.startIndex..<newline]
                buffer = Data(buffer[buffer.index(after: newline)...])
                handle(line: String(decoding: line, as: UTF8.self), generation: generation)
            }
        }
        fail(generation, DriverError.crashed("its output ended"))
    }

    private func handle(line: String, generation: Int) {
        guard let reply = try? JSONDecoder().decode(DriverReply.self, from: Data(line.utf8)) else {
            logger.warning("ignoring a line from the Spark driver that is not a reply", metadata: ["spark.line": "\(line.prefix(200))"])
            return
        }
        if reply.event == "ready" {
            let waiters: [CheckedContinuation<Void, Error>] = lock.withLock {
                guard running?.generation == generation else { return [] }
                running?.ready = true
                defer { readyWaiters.removeAll() }
                return readyWaiters
            }
            logger.info("the Spark driver is ready", metadata: ["spark.version": "\(reply.sparkVersion ?? "?")"])
            waiters.forEach { $0.resume() }
            return
        }
        guard let id = reply.requestID else { return }
        lock.withLock { replyWaiters.removeValue(forKey: id) }?.resume(returning: (reply, line))
    }

    /// Fails everything waiting on driver `generation` and forgets it, so the next request starts another.
    private func fail(_ generation: Int, _ error: DriverError) {
        let (ready, replies): ([CheckedContinuation<Void, Error>], [CheckedContinuation<(DriverReply, String), Error>]) = lock.withLock {
            guard running?.generation == generation else { return ([], []) }
            running = nil
            defer { readyWaiters.removeAll(); replyWaiters.removeAll() }
            return (readyWaiters, Array(replyWaiters.values))
        }
        if !ready.isEmpty || !replies.isEmpty { logger.error("the Spark driver is gone", metadata: ["error": "\(error)"]) }
        ready.forEach { $0.resume(throwing: error) }
        replies.forEach { $0.resume(throwing: error) }
    }
}
