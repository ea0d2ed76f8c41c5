import Foundation

/// Which request goes to the PySpark driver when, as a pure state machine: no process,
/// pipe, lock or clock of its own. ``SparkDriver`` feeds it what happened (a request came,
/// the driver said it is ready, a reply came, the driver died, a linger ended) with the
/// time, and carries out the ``Actions`` each step returns; the tests drive it alone.
///
/// The rules (see ``SparkDriver`` for why): up to `concurrency` lines in the driver at
/// once; the batchable (small) requests at the head of the queue go as one line of up to
/// `batchSize`, one such line at a time, after lingering `batchLinger` for company; a
/// request that is not batchable goes alone, beside them. A driver that has taken
/// `maxJobs` jobs, or served for `maxAge`, takes no more, and is replaced once it holds
/// none. In cold mode a driver is started for a job and retired after it.
///
/// `Waiter` is what a request's answer is handed to, `ReadyWaiter` what waits for a warm
/// driver (continuations in the service, plain values in the tests).
struct DriverScheduler<Waiter, ReadyWaiter> {
    /// The limits the rules above apply.
    struct Policy {
        var concurrency: Int
        var batchSize: Int
        var batchLinger: Duration
        var maxJobs: Int?
        var maxAge: Duration?
        var cold: Bool
    }

    /// A request waiting for room in the driver.
    struct Request {
        let id: String
        /// The request as one JSON object, without a line break.
        let object: Data
        let batchable: Bool
        let queuedAt: ContinuousClock.Instant
        let waiter: Waiter
    }

    /// The driver process of one generation, as the rules see it.
    struct Driver: Equatable {
        let generation: Int
        let started: ContinuousClock.Instant
        var ready = false
        /// Requests written to it.
        var jobs = 0
        /// Why it takes no more requests; it is replaced once those it holds are answered.
        var retiring: String?
    }

    /// What a step asks the service to do.
    struct Actions {
        /// Close this driver's input: it stops its session and exits.
        var retire: Driver?
        /// Start a driver process of this generation.
        var launch: Int?
        /// Write `line` to the driver of `generation`; it carries the requests `ids`.
        var writes: [(generation: Int, ids: [String], line: Data)] = []
        /// Take a step (``woke(at:)``) at this time: a linger ends.
        var wake: ContinuousClock.Instant?
    }

    /// A request written to the driver, which line carried it, and whether that line holds small jobs.
    private struct Waiting {
        let waiter: Waiter
        let line: Int
        let small: Bool
    }

    let policy: Policy
    private(set) var driver: Driver?
    private var generations = 0
    private var readyWaiters: [ReadyWaiter] = []
    private var queued: [Request] = []
    private var inFlight: [String: Waiting] = [:]
    private var linesWritten = 0
    private var wakeScheduled = false

    init(policy: Policy) {
        self.policy = policy
    }

    /// Requests written to the driver and not answered yet.
    var requestsInFlight: Int { inFlight.count }

    /// Lines written to the driver with a request still unanswered.
    private var openLines: Int { Set(inFlight.values.map(\.line)).count }

    /// A request came.
    mutating func enqueue(_ request: Request, at now: ContinuousClock.Instant) -> Actions {
        queued.append(request)
        return advance(at: now)
    }

    /// `waiter` wants a warm driver that takes jobs: nil when there is one (nothing to
    /// wait for); else it waits, and the actions start one if needed.
    mutating func awaitReady(_ waiter: ReadyWaiter, at now: ContinuousClock.Instant) -> Actions? {
        if let driver, driver.ready, driver.retiring == nil { return nil }
        readyWaiters.append(waiter)
        return advance(at: now)
    }

    /// The driver of `generation` said it is ready: those waiting for it go on.
    mutating func driverReady(generation: Int, at now: ContinuousClock.Instant) -> (ready: [ReadyWaiter], actions: Actions) {
        guard driver?.generation == generation else { return ([], Actions()) }
        driver?.ready = true
        defer { readyWaiters.removeAll() }
        return (readyWaiters, advance(at: now))
    }

    /// The reply to request `id` came: its waiter (nil for one not waited on) and what follows.
    mutating func replied(_ id: String, at now: ContinuousClock.Instant) -> (waiter: Waiter?, actions: Actions) {
        (inFlight.removeValue(forKey: id)?.waiter, advance(at: now))
    }

    /// Writing the requests `ids` to the driver failed: their waiters, to be failed, and what follows.
    mutating func writeFailed(_ ids: [String], at now: ContinuousClock.Instant) -> (waiters: [Waiter], actions: Actions) {
        (ids.compactMap { inFlight.removeValue(forKey: $0)?.waiter }, advance(at: now))
    }

    /// The driver of `generation` is gone (it exited, died or never started): when it was
    /// the current one, everyone waiting, to be failed; the next request starts another.
    mutating func driverGone(generation: Int) -> (ready: [ReadyWaiter], requests: [Waiter]) {
        guard driver?.generation == generation else { return ([], []) }
        driver = nil
        return takeEveryone()
    }

    /// The service stops: the driver to stop, and everyone waiting, to be failed.
    mutating func stop() -> (driver: Driver?, ready: [ReadyWaiter], requests: [Waiter]) {
        defer { driver = nil }
        let (ready, requests) = takeEveryone()
        return (driver, ready, requests)
    }

    /// A linger ended (the wake-up that ``Actions/wake`` asked for).
    mutating func woke(at now: ContinuousClock.Instant) -> Actions {
        wakeScheduled = false
        return advance(at: now)
    }

    /// A look at the driver's age, with nothing else happening.
    mutating func tick(at now: ContinuousClock.Instant) -> Actions {
        advance(at: now)
    }

    private mutating func takeEveryone() -> (ready: [ReadyWaiter], requests: [Waiter]) {
        defer { readyWaiters.removeAll(); queued.removeAll(); inFlight.removeAll() }
        return (readyWaiters, queued.map(\.waiter) + inFlight.values.map(\.waiter))
    }

    /// The one transition, after anything changed: writes queued requests to a warm driver
    /// that still takes jobs, retires one that reached a limit once it holds none, and
    /// starts a driver when one is wanted and none runs.
    private mutating func advance(at now: ContinuousClock.Instant) -> Actions {
        var actions = Actions()
        if var current = driver {
            // Age counts only once a driver has served: one younger than its start-up would otherwise be replaced forever.
            if current.jobs > 0, current.retiring == nil, let maxAge = policy.maxAge, now - current.started >= maxAge {
                current.retiring = "it is \(now - current.started) old (SLUICE_SPARK_MAX_MINUTES)"
            }
            while current.ready, current.retiring == nil, openLines < policy.concurrency, let next = queued.first {
                if next.batchable, inFlight.values.contains(where: \.small) { break }
                let room = policy.maxJobs.map { $0 - current.jobs } ?? policy.batchSize
                guard let batch = takeBatch(upTo: min(policy.batchSize, room), at: now, wake: &actions.wake) else { break }
                linesWritten += 1
                for request in batch {
                    inFlight[request.id] = Waiting(waiter: request.waiter, line: linesWritten, small: next.batchable)
                }
                current.jobs += batch.count
                actions.writes.append((current.generation, batch.map(\.id), Self.line(for: batch)))
                if let maxJobs = policy.maxJobs, current.jobs >= maxJobs {
                    current.retiring = "it has taken \(current.jobs) jobs (SLUICE_SPARK_MAX_JOBS)"
                }
            }
            driver = current
            // Draining: the replacement starts once the last reply is in.
            guard current.retiring != nil, inFlight.isEmpty else { return actions }
            actions.retire = current
            // Cold: a driver is started for a job, never ahead of one.
            if policy.cold, queued.isEmpty, readyWaiters.isEmpty {
                driver = nil
                return actions
            }
        } else if queued.isEmpty && readyWaiters.isEmpty {
            return actions
        }
        generations += 1
        driver = Driver(generation: generations, started: now)
        actions.launch = generations
        return actions
    }

    /// The requests to send next (the driver having room, the queue not empty): a request
    /// that is not batchable alone; else the batchable ones at the head, up to `limit`,
    /// once there are `limit` of them or the first has lingered long enough. nil while it
    /// lingers, `wake` then set to when the linger ends (once: a wake-up already due is
    /// not asked again).
    private mutating func takeBatch(upTo limit: Int, at now: ContinuousClock.Instant, wake: inout ContinuousClock.Instant?) -> [Request]? {
        let count = queued.prefix(while: \.batchable).prefix(max(limit, 1)).count
        if count > 0, (count < limit), policy.batchLinger > .zero {
            let deadline = queued[0].queuedAt + policy.batchLinger
            if now < deadline {
                if !wakeScheduled {
                    wakeScheduled = true
                    wake = deadline
                }
                return nil
            }
        }
        let taken = Array(queued.prefix(max(count, 1)))
        queued.removeFirst(taken.count)
        return taken
    }

    /// One request's line, or a batch line (`{"batch":[…]}`) for several.
    static func line(for batch: [Request]) -> Data {
        guard batch.count > 1 else { return batch[0].object + Data("\n".utf8) }
        var line = Data(#"{"batch":["#.utf8)
        for (index, request) in batch.enumerated() {
            if index > 0 { line.append(UInt8(ascii: ",")) }
            line.append(request.object)
        }
        line.append(contentsOf: Array("]}\n".utf8))
        return line
    }
}
