import Foundation
import Logging
import ServiceLifecycle
import SluiceContracts
import SluiceCore
import Synchronization

/// Supervises the long-lived PySpark driver (`driver/sluice_spark_driver.py`): starts
/// it on first use and waits for its ready line, sends requests as JSON lines on its
/// stdin, and hands each reply line to the request with the same `request_id`. When
/// the driver dies, every request waiting on it fails with ``DriverError/crashed`` and
/// the next request starts a new one, so one job's crash costs a retry, not the service.
///
/// The driver works on up to ``SparkConfiguration/concurrency`` lines at once, so
/// requests wait here, not in its pipe: when it has room, the small requests at the head
/// of the queue (up to ``SparkConfiguration/batchSize``) go to it as one batch line,
/// which it runs as one Spark job and answers with a reply per request. A driver with
/// room lingers (``SparkConfiguration/batchLinger``, counted from when the first request
/// came) for company before it takes a lone small request.
///
/// Small jobs go one batch line at a time: on a busy machine they gain more from waiting
/// together for one Spark job than from running in several (two cores, 16 clients of
/// 5-record jobs: 30-32 against 25-26 jobs/s). A large job runs beside them, so a small
/// job never waits for a large one to finish, nor a large one for the small ones.
///
/// Cold mode (``SparkConfiguration/cold``): every job gets a driver started for it, which
/// stops after it; nothing is started ahead of a job.
///
/// Recycling (``SparkConfiguration/maxJobs``, ``SparkConfiguration/maxAge``): a driver
/// that has taken its last job, or grown too old, takes no more; requests queue while
/// it answers the ones it holds, then it is told to stop (end of its stdin) and the
/// next generation starts and takes the queue. No request is ever cut short.
///
/// The mutable state is guarded by a `Mutex`; the pipes are written by `writer` and
/// read by a reader thread of each driver's own.
final class SparkDriver: Service, Sendable {
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

    /// A reply, its raw line, and which driver generation (1, 2, … since this supervisor began) gave it.
    struct Answer: Sendable {
        let reply: SparkReply
        let line: String
        let generation: Int
    }

    private struct Running {
        let process: Process
        let input: FileHandle
        let output: FileHandle
        let generation: Int
        let started = ContinuousClock.now
        var ready = false
        /// Requests written to it.
        var jobs = 0
        /// Why it takes no more requests; it is replaced once those it holds are answered.
        var retiring: String?
    }

    /// A request written to the driver, which line carried it, and whether that line holds small jobs.
    private struct Waiting {
        let continuation: CheckedContinuation<Answer, Error>
        let line: Int
        let small: Bool
    }

    private struct Queued {
        let id: String
        /// The request as one JSON object, without a line break.
        let object: Data
        let batchable: Bool
        let queuedAt = ContinuousClock.now
        let continuation: CheckedContinuation<Answer, Error>
    }

    /// The supervisor's mutable state, only reached through `state`'s lock.
    private struct State {
        var running: Running?
        var generations = 0
        var readyWaiters: [CheckedContinuation<Void, Error>] = []
        var queued: [Queued] = []
        var inFlight: [String: Waiting] = [:]
        var linesWritten = 0
        var wakeScheduled = false

        /// Lines written to the driver with a request still unanswered.
        var openLines: Int { Set(inFlight.values.map(\.line)).count }
    }

    /// What a state change asks to be done outside the lock.
    private struct Effects {
        var retire: Running?
        var launch: Running?
        var writes: [(input: FileHandle, ids: [String], line: Data)] = []
        /// When to look at the queue again (a linger ends).
        var wake: ContinuousClock.Instant?
    }

    private let configuration: SparkConfiguration
    private let logger: Logger
    private let writer = BlockingThread(name: "spark-driver-in")
    private let state = Mutex(State())

    init(configuration: SparkConfiguration, logger: Logger) {
        self.configuration = configuration
        self.logger = logger
        // Writing to a driver that just died must be an error to handle, not a signal that ends the service.
        signal(SIGPIPE, SIG_IGN)
    }

    /// Sends `request` (a JSON object with a `request_id`) to the warm driver (starting
    /// one, or waiting for a recycled one's successor, as needed) and returns its answer.
    /// A `batchable` request may share a Spark job with other batchable ones.
    func send(_ request: [String: any Sendable], id: String, batchable: Bool = false) async throws -> Answer {
        let object = try JSONSerialization.data(withJSONObject: request, options: [.sortedKeys])
        return try await withCheckedThrowingContinuation { continuation in
            perform(state.withLock { state in
                state.queued.append(Queued(id: id, object: object, batchable: batchable, continuation: continuation))
                return advance(&state)
            })
        }
    }

    /// Starts the driver at once, so its session is warm before the first job (a
    /// failure is logged: the first request tries again; in cold mode, not at all); with a maximum age, replaces
    /// a driver that outlives it even while no job comes; stops it on graceful shutdown.
    func run() async throws {
        if configuration.cold {
            logger.info("Spark in cold mode: a driver is started for each job (SLUICE_SPARK_MODE=cold)")
        } else {
            do { try await ensureReady() } catch { logger.error("the Spark driver did not start; the first job will retry", metadata: ["error": "\(error)"]) }
        }
        if let maxAge = configuration.maxAge {
            try? await cancelWhenGracefulShutdown {
                while true {
                    try await Task.sleep(for: min(max(maxAge, .seconds(1)), .seconds(60)))
                    self.perform(self.state.withLock { self.advance(&$0) })
                }
            }
        }
        try? await gracefulShutdown()
        stop()
    }

    /// Stops the driver: closing its stdin makes it stop its session and exit; SIGTERM
    /// makes sure. Requests waiting on it fail; the next request would start a new one.
    func stop() {
        let process = state.withLock { state -> Process? in
            defer { state.running = nil }
            try? state.running?.input.close()
            return state.running?.process
        }
        failWaiters(DriverError.crashed("it was stopped"))
        if let process, process.isRunning { process.terminate() }
    }

    /// The driver's process id, while one runs (for tests that kill it).
    var processIdentifier: Int32? { state.withLock { $0.running?.process.processIdentifier } }

    /// Requests written to the driver and not answered yet (for tests that kill it mid-job).
    var requestsInFlight: Int { state.withLock { $0.inFlight.count } }

    /// `/ready`'s answer while no driver is warm.
    struct NotReady: Error, CustomStringConvertible {
        var description: String { "the Spark driver is starting or restarting" }
    }

    /// Whether a driver is running and has answered its start-up handshake.
    var isReady: Bool { state.withLock { $0.running?.ready ?? false } }

    private func ensureReady() async throws {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, Error>) in
            let effects: Effects? = state.withLock { state in
                if let running = state.running, running.ready, running.retiring == nil { return nil }
                state.readyWaiters.append(continuation)
                return advance(&state)
            }
            guard let effects else { return continuation.resume() }
            perform(effects)
        }
    }

    /// The one state transition (called with `state`'s lock held after anything changes):
    /// writes queued requests to a warm driver that still takes jobs, retires one that
    /// reached a limit once it holds none, and starts a driver when one is wanted and none runs.
    private func advance(_ state: inout State) -> Effects {
        var effects = Effects()
        if var current = state.running {
            // Age counts only once a driver has served: one younger than its start-up would otherwise be replaced forever.
            if current.jobs > 0, current.retiring == nil, let maxAge = configuration.maxAge, ContinuousClock.now - current.started >= maxAge {
                current.retiring = "it is \(ContinuousClock.now - current.started) old (SLUICE_SPARK_MAX_MINUTES)"
            }
            while current.ready, current.retiring == nil, state.openLines < configuration.concurrency, let next = state.queued.first {
                if next.batchable, state.inFlight.values.contains(where: \.small) { break }
                let room = configuration.maxJobs.map { $0 - current.jobs } ?? configuration.batchSize
                guard case .send(let batch) = takeBatch(&state, upTo: min(configuration.batchSize, room), wake: &effects.wake) else { break }
                state.linesWritten += 1
                for request in batch {
                    state.inFlight[request.id] = Waiting(continuation: request.continuation, line: state.linesWritten, small: next.batchable)
                }
                current.jobs += batch.count
                effects.writes.append((current.input, batch.map(\.id), Self.line(for: batch)))
                if let maxJobs = configuration.maxJobs, current.jobs >= maxJobs {
                    current.retiring = "it has taken \(current.jobs) jobs (SLUICE_SPARK_MAX_JOBS)"
                }
            }
            state.running = current
            // Draining: the replacement starts once the last reply is in.
            guard current.retiring != nil, state.inFlight.isEmpty else { return effects }
            effects.retire = current
            // Cold: a driver is started for a job, never ahead of one.
            if configuration.cold, state.queued.isEmpty, state.readyWaiters.isEmpty {
                state.running = nil
                return effects
            }
        } else if state.queued.isEmpty && state.readyWaiters.isEmpty {
            return effects
        }
        state.generations += 1
        let stdin = Pipe(), stdout = Pipe()
        let next = Running(process: Process(), input: stdin.fileHandleForWriting, output: stdout.fileHandleForReading, generation: state.generations)
        next.process.standardInput = stdin
        next.process.standardOutput = stdout
        state.running = next
        effects.launch = next
        return effects
    }

    private func perform(_ effects: Effects) {
        if let old = effects.retire {
            logger.info("replacing the Spark driver between jobs", metadata: [
                "spark.generation": "\(old.generation)", "spark.pid": "\(old.process.processIdentifier)",
                "spark.jobs": "\(old.jobs)", "spark.reason": "\(old.retiring ?? "")",
            ])
            // End of its input: it stops its session and exits; its reader sees the end and, the generation being gone, fails nothing.
            try? old.input.close()
        }
        if let next = effects.launch { start(next) }
        for (input, ids, line) in effects.writes {
            writer.submit { [self] in
                do { try input.write(contentsOf: line) } catch {
                    let (waiters, effects) = state.withLock { state in
                        (ids.compactMap { state.inFlight.removeValue(forKey: $0)?.continuation }, advance(&state))
                    }
                    waiters.forEach { $0.resume(throwing: DriverError.crashed("writing to it failed: \(error)")) }
                    perform(effects)
                }
            }
        }
        if let wake = effects.wake {
            let delay = max(wake - ContinuousClock.now, .zero)
            DispatchQueue.global().asyncAfter(deadline: .now() + delay.seconds) { [self] in
                perform(state.withLock { state in
                    state.wakeScheduled = false
                    return advance(&state)
                })
            }
        }
    }

    private enum Take {
        case send([Queued])
        /// Not yet: the first request lingers for company.
        case linger
    }

    /// The requests to send next (called with `state`'s lock held, the driver having room, the
    /// queue not empty): a request that is not batchable alone; else the batchable ones at
    /// the head, up to `limit`, once there are `limit` of them or the first has lingered
    /// long enough. While it lingers, `wake` is set to when the linger ends (once: a
    /// wake-up already due is not asked again).
    private func takeBatch(_ state: inout State, upTo limit: Int, wake: inout ContinuousClock.Instant?) -> Take {
        let count = state.queued.prefix(while: \.batchable).prefix(max(limit, 1)).count
        if count > 0, (count < limit), configuration.batchLinger > .zero {
            let deadline = state.queued[0].queuedAt + configuration.batchLinger
            if ContinuousClock.now < deadline {
                if !state.wakeScheduled {
                    state.wakeScheduled = true
                    wake = deadline
                }
                return .linger
            }
        }
        let taken = Array(state.queued.prefix(max(count, 1)))
        state.queued.removeFirst(taken.count)
        return .send(taken)
    }

    /// One request's line, or a batch line (`{"batch":[…]}`) for several.
    private static func line(for batch: [Queued]) -> Data {
        guard batch.count > 1 else { return batch[0].object + Data("\n".utf8) }
        var line = Data(#"{"batch":["#.utf8)
        for (index, request) in batch.enumerated() {
            if index > 0 { line.append(UInt8(ascii: ",")) }
            line.append(request.object)
        }
        line.append(contentsOf: Array("]}\n".utf8))
        return line
    }

    /// Launches the process of a generation that ``advance()`` has made current.
    private func start(_ next: Running) {
        let process = next.process
        process.executableURL = URL(fileURLWithPath: configuration.python)
        process.arguments = [configuration.driverScript, "--master", configuration.master, "--concurrency", "\(configuration.concurrency)"]
            + configuration.extraArguments
        process.standardError = FileHandle.standardError
        do {
            try process.run()
        } catch {
            fail(next.generation, DriverError.couldNotStart("\(configuration.python) \(configuration.driverScript): \(error)"))
            return
        }
        logger.info("starting the Spark driver", metadata: [
            "spark.master": "\(configuration.master)", "spark.pid": "\(process.processIdentifier)", "spark.generation": "\(next.generation)",
        ])
        Thread { [self] in
            nameCurrentThread("spark-driver-out")
            readReplies(from: next.output, generation: next.generation)
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
        guard let reply = try? JSONDecoder().decode(SparkReply.self, from: Data(line.utf8)) else {
            logger.warning("ignoring a line from the Spark driver that is not a reply", metadata: ["spark.line": "\(line.prefix(200))"])
            return
        }
        if reply.event == "ready" {
            let (waiters, effects): ([CheckedContinuation<Void, Error>], Effects) = state.withLock { state in
                guard state.running?.generation == generation else { return ([], Effects()) }
                state.running?.ready = true
                defer { state.readyWaiters.removeAll() }
                return (state.readyWaiters, advance(&state))
            }
            logger.info("the Spark driver is ready", metadata: ["spark.version": "\(reply.sparkVersion ?? "?")", "spark.generation": "\(generation)"])
            waiters.forEach { $0.resume() }
            perform(effects)
            return
        }
        guard let id = reply.requestID else { return }
        let (waiter, effects) = state.withLock { state in (state.inFlight.removeValue(forKey: id)?.continuation, advance(&state)) }
        waiter?.resume(returning: Answer(reply: reply, line: line, generation: generation))
        perform(effects)
    }

    /// Fails everything waiting on driver `generation` and forgets it, so the next request starts another.
    private func fail(_ generation: Int, _ error: DriverError) {
        let current: Bool = state.withLock { state in
            guard state.running?.generation == generation else { return false }
            state.running = nil
            return true
        }
        if current { failWaiters(error) }
    }

    /// Fails every request and readiness wait (after the driver they were waiting on is gone).
    private func failWaiters(_ error: DriverError) {
        let (ready, replies): ([CheckedContinuation<Void, Error>], [CheckedContinuation<Answer, Error>]) = state.withLock { state in
            defer { state.readyWaiters.removeAll(); state.queued.removeAll(); state.inFlight.removeAll() }
            return (state.readyWaiters, state.queued.map(\.continuation) + state.inFlight.values.map(\.continuation))
        }
        if !ready.isEmpty || !replies.isEmpty { logger.error("the Spark driver is gone", metadata: ["error": "\(error)"]) }
        ready.forEach { $0.resume(throwing: error) }
        replies.forEach { $0.resume(throwing: error) }
    }
}
