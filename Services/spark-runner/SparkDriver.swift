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
/// Which request goes when is decided by a pure state machine, ``DriverScheduler``; this
/// class carries out its actions (processes, pipes, wake-ups). Both live under a `Mutex`;
/// the pipes are written by `writer` and read by a reader thread of each driver's own.
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

    private typealias Scheduler = DriverScheduler<CheckedContinuation<Answer, Error>, CheckedContinuation<Void, Error>>

    /// A driver process and the end of its stdin.
    private struct DriverProcess {
        let process: Process
        let input: FileHandle
        let output: FileHandle
    }

    /// The scheduler and the processes its generations run in.
    private struct State {
        var scheduler: Scheduler
        var processes: [Int: DriverProcess] = [:]
    }

    /// The scheduler's actions with their processes found (under the lock), to carry out outside it.
    private struct Effects {
        var retire: (driver: Scheduler.Driver, input: FileHandle, process: Process)?
        var launch: (generation: Int, process: DriverProcess)?
        var writes: [(input: FileHandle, ids: [String], line: Data)] = []
        var wake: ContinuousClock.Instant?
    }

    private let configuration: SparkConfiguration
    private let logger: Logger
    private let writer = BlockingThread(name: "spark-driver-in")
    private let state: Mutex<State>

    init(configuration: SparkConfiguration, logger: Logger) {
        self.configuration = configuration
        self.logger = logger
        state = Mutex(State(scheduler: Scheduler(policy: .init(
            concurrency: configuration.concurrency, batchSize: configuration.batchSize, batchLinger: configuration.batchLinger,
            maxJobs: configuration.maxJobs, maxAge: configuration.maxAge, cold: configuration.cold
        ))))
        // Writing to a driver that just died must be an error to handle, not a signal that ends the service.
        signal(SIGPIPE, SIG_IGN)
    }

    /// Sends `request` (a JSON object with a `request_id`) to the warm driver (starting
    /// one, or waiting for a recycled one's successor, as needed) and returns its answer.
    /// A `batchable` request may share a Spark job with other batchable ones.
    func send(_ request: [String: any Sendable], id: String, batchable: Bool = false) async throws -> Answer {
        let object = try JSONSerialization.data(withJSONObject: request, options: [.sortedKeys])
        return try await withCheckedThrowingContinuation { continuation in
            step { state, now in
                state.scheduler.enqueue(.init(id: id, object: object, batchable: batchable, queuedAt: now, waiter: continuation), at: now)
            }
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
                    self.step { state, now in state.scheduler.tick(at: now) }
                }
            }
        }
        try? await gracefulShutdown()
        stop()
    }

    /// Stops the driver: closing its stdin makes it stop its session and exit; SIGTERM
    /// makes sure. Requests waiting on it fail; the next request would start a new one.
    func stop() {
        let (process, ready, requests) = state.withLock { state -> (Process?, [CheckedContinuation<Void, Error>], [CheckedContinuation<Answer, Error>]) in
            let (driver, ready, requests) = state.scheduler.stop()
            let running = driver.flatMap { state.processes.removeValue(forKey: $0.generation) }
            try? running?.input.close()
            return (running?.process, ready, requests)
        }
        fail(ready, requests, DriverError.crashed("it was stopped"))
        if let process, process.isRunning { process.terminate() }
    }

    /// The driver's process id, while one runs (for tests that kill it).
    var processIdentifier: Int32? {
        state.withLock { state in state.scheduler.driver.flatMap { state.processes[$0.generation]?.process.processIdentifier } }
    }

    /// Requests written to the driver and not answered yet (for tests that kill it mid-job).
    var requestsInFlight: Int { state.withLock { $0.scheduler.requestsInFlight } }

    /// `/ready`'s answer while no driver is warm.
    struct NotReady: Error, CustomStringConvertible {
        var description: String { "the Spark driver is starting or restarting" }
    }

    /// Whether a driver is running and has answered its start-up handshake.
    var isReady: Bool { state.withLock { $0.scheduler.driver?.ready ?? false } }

    private func ensureReady() async throws {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, Error>) in
            let effects: Effects? = state.withLock { state in
                let now = ContinuousClock.now
                return state.scheduler.awaitReady(continuation, at: now).map { resolve($0, in: &state) }
            }
            guard let effects else { return continuation.resume() }
            perform(effects)
        }
    }

    /// One step of the scheduler under the lock, its actions carried out after.
    private func step(_ change: (inout State, ContinuousClock.Instant) -> Scheduler.Actions) {
        perform(state.withLock { state in resolve(change(&state, ContinuousClock.now), in: &state) })
    }

    /// The processes that `actions` name (called with the lock held): a launched
    /// generation's process is made here, a retired one's forgotten.
    private func resolve(_ actions: Scheduler.Actions, in state: inout State) -> Effects {
        var effects = Effects(wake: actions.wake)
        if let old = actions.retire, let running = state.processes.removeValue(forKey: old.generation) {
            effects.retire = (old, running.input, running.process)
        }
        if let generation = actions.launch {
            let stdin = Pipe(), stdout = Pipe()
            let process = Process()
            process.standardInput = stdin
            process.standardOutput = stdout
            let next = DriverProcess(process: process, input: stdin.fileHandleForWriting, output: stdout.fileHandleForReading)
            state.processes[generation] = next
            effects.launch = (generation, next)
        }
        for write in actions.writes {
            guard let running = state.processes[write.generation] else { continue }
            effects.writes.append((running.input, write.ids, write.line))
        }
        return effects
    }

    private func perform(_ effects: Effects) {
        if let old = effects.retire {
            logger.info("replacing the Spark driver between jobs", metadata: [
                "spark.generation": "\(old.driver.generation)", "spark.pid": "\(old.process.processIdentifier)",
                "spark.jobs": "\(old.driver.jobs)", "spark.reason": "\(old.driver.retiring ?? "")",
            ])
            // End of its input: it stops its session and exits; its reader sees the end and, the generation being gone, fails nothing.
            try? old.input.close()
        }
        if let (generation, next) = effects.launch { start(next, generation: generation) }
        for (input, ids, line) in effects.writes {
            writer.submit { [self] in
                do { try input.write(contentsOf: line) } catch {
                    let (waiters, effects) = state.withLock { state in
                        let (waiters, actions) = state.scheduler.writeFailed(ids, at: ContinuousClock.now)
                        return (waiters, resolve(actions, in: &state))
                    }
                    waiters.forEach { $0.resume(throwing: DriverError.crashed("writing to it failed: \(error)")) }
                    perform(effects)
                }
            }
        }
        if let wake = effects.wake {
            let delay = max(wake - ContinuousClock.now, .zero)
            DispatchQueue.global().asyncAfter(deadline: .now() + delay.seconds) { [self] in
                step { state, now in state.scheduler.woke(at: now) }
            }
        }
    }

    /// Launches the process of a generation that the scheduler made current.
    private func start(_ next: DriverProcess, generation: Int) {
        let process = next.process
        process.executableURL = URL(fileURLWithPath: configuration.python)
        process.arguments = [configuration.driverScript, "--master", configuration.master, "--concurrency", "\(configuration.concurrency)"]
            + configuration.extraArguments
        process.standardError = FileHandle.standardError
        do {
            try process.run()
        } catch {
            gone(generation, DriverError.couldNotStart("\(configuration.python) \(configuration.driverScript): \(error)"))
            return
        }
        logger.info("starting the Spark driver", metadata: [
            "spark.master": "\(configuration.master)", "spark.pid": "\(process.processIdentifier)", "spark.generation": "\(generation)",
        ])
        Thread { [self] in
            nameCurrentThread("spark-driver-out")
            readReplies(from: next.output, generation: generation)
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
        gone(generation, DriverError.crashed("its output ended"))
    }

    private func handle(line: String, generation: Int) {
        guard let reply = try? JSONDecoder().decode(SparkReply.self, from: Data(line.utf8)) else {
            logger.warning("ignoring a line from the Spark driver that is not a reply", metadata: ["spark.line": "\(line.prefix(200))"])
            return
        }
        if reply.event == "ready" {
            let (waiters, effects) = state.withLock { state in
                let (waiters, actions) = state.scheduler.driverReady(generation: generation, at: ContinuousClock.now)
                return (waiters, resolve(actions, in: &state))
            }
            logger.info("the Spark driver is ready", metadata: ["spark.version": "\(reply.sparkVersion ?? "?")", "spark.generation": "\(generation)"])
            waiters.forEach { $0.resume() }
            perform(effects)
            return
        }
        guard let id = reply.requestID else { return }
        let (waiter, effects) = state.withLock { state in
            let (waiter, actions) = state.scheduler.replied(id, at: ContinuousClock.now)
            return (waiter, resolve(actions, in: &state))
        }
        waiter?.resume(returning: Answer(reply: reply, line: line, generation: generation))
        perform(effects)
    }

    /// Driver `generation` is gone: when it was the current one, everything waiting on it
    /// fails, and the next request starts another.
    private func gone(_ generation: Int, _ error: DriverError) {
        let (ready, requests) = state.withLock { state in
            state.processes.removeValue(forKey: generation)
            return state.scheduler.driverGone(generation: generation)
        }
        fail(ready, requests, error)
    }

    /// Fails requests and readiness waits (the driver they were waiting on being gone).
    private func fail(_ ready: [CheckedContinuation<Void, Error>], _ requests: [CheckedContinuation<Answer, Error>], _ error: DriverError) {
        if !ready.isEmpty || !requests.isEmpty { logger.error("the Spark driver is gone", metadata: ["error": "\(error)"]) }
        ready.forEach { $0.resume(throwing: error) }
        requests.forEach { $0.resume(throwing: error) }
    }
}
