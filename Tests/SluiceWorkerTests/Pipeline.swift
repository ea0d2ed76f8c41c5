import Foundation
import Logging
import Prometheus
import ServiceLifecycle
import SluiceAMQP
import SluiceContracts
import SluiceCore
import SluiceJobs
import SluicePostgres
import SluiceTestSupport
import Synchronization
@testable import SluiceWorker

/// The four stage runners, a LISTEN connection and a publisher, on a schema and a
/// topology of the test's own.
struct Pipeline: Sendable {
    let pool: PostgresPool
    let store: JobStore
    let artifacts: ArtifactStore
    let topology: SluiceTopology
    let publisher: AMQPPublisher
    let events: JobEvents

    /// Creates a job whose input artifact is `input` and sends it to the validate stage.
    func submit(input: String) async throws -> (jobID: UUID, message: StageMessage) {
        let created = try await store.createJob(.init(
            source: .cli, config: .init(rawJSON: "{}"), recordCount: nil, idempotencyKey: nil, traceID: "trace-\(UUID().uuidString.prefix(8))"
        ))
        try artifacts.write(Data(input.utf8), created.jobID, "input.txt")
        let message = StageMessage(jobID: created.jobID, stage: .validate, traceID: "trace", submittedAt: created.submittedAt)
        try await publish(message)
        return (created.jobID, message)
    }

    func publish(_ message: StageMessage) async throws {
        try await publisher.publish(message, topology: topology)
    }

    /// Waits for the job's completed or failed announcement.
    func waitForCompletion(of jobID: UUID, statuses: Set<String> = ["completed", "failed"]) async throws {
        let events = events
        try await withTimeout(.seconds(60), waitingFor: "job \(jobID) to be \(statuses.sorted())") {
            await events.wait { seen, _ in seen.contains { $0.jobID == jobID && statuses.contains($0.status.rawValue) } }
        }
    }

    func completions(of jobID: UUID) -> Int {
        events.snapshot.filter { $0.jobID == jobID && $0.status == .completed }.count
    }

    struct Attempt: Equatable {
        let stage: String, attempt: Int, outcome: String, device: String?, recordsOut: Int?, errorCause: String?
        let startedAt: Date, finishedAt: Date?
    }

    func attempts(of jobID: UUID) async throws -> [Attempt] {
        try await pool.withConnection { db in
            try db.query("""
                SELECT stage, attempt, outcome, device, records_out, error_cause, started_at, finished_at
                FROM stage_attempts WHERE job_id = \(jobID) ORDER BY started_at
                """).map {
                Attempt(
                    stage: try $0.decode("stage"), attempt: try $0.decode("attempt"), outcome: try $0.decode("outcome"),
                    device: try $0.decode("device"), recordsOut: try $0.decode("records_out"), errorCause: try $0.decode("error_cause"),
                    startedAt: try $0.decode("started_at"), finishedAt: try $0.decode("finished_at")
                )
            }
        }
    }

    struct History { let status: String, hasResults: Bool, failedStage: String?, error: String? }

    func history(of jobID: UUID) async throws -> History {
        try await pool.withConnection { db in
            let row = try db.query("SELECT status, has_results, failed_stage, error FROM job_history WHERE job_id = \(jobID)").single()
            return History(status: try row.decode("status"), hasResults: try row.decode("has_results"), failedStage: try row.decode("failed_stage"), error: try row.decode("error"))
        }
    }

    func count(_ query: PostgresQuery) async throws -> Int {
        try await pool.withConnection { try $0.query(query).single().decode("n") }
    }

    /// The first `count` messages of the dead-letter queue, acknowledged.
    func deadLetters(count: Int) async throws -> [(headers: [String: AMQPFieldValue], body: [UInt8])] {
        let consumer = AMQPConsumer(configuration: try TestBroker.configuration(), queue: topology.deadLetterQueue, logger: TestDatabase.logger)
        let group = ServiceGroup(services: [consumer], gracefulShutdownSignals: [], cancellationSignals: [], logger: TestDatabase.logger)
        return try await whileRunning([group]) {
            try await withTimeout(.seconds(30), waitingFor: "\(count) dead letters") {
                var deliveries = consumer.deliveries.makeAsyncIterator()
                var letters: [(headers: [String: AMQPFieldValue], body: [UInt8])] = []
                while letters.count < count, let delivery = await deliveries.next() {
                    try delivery.ack()
                    letters.append((delivery.properties.headers, delivery.body))
                }
                return letters
            }
        }
    }

    func artifact(_ jobID: UUID, _ name: String) throws -> String {
        String(decoding: try artifacts.read(jobID, name), as: UTF8.self)
    }
}

/// Runs `body` with a running ``Pipeline``, then shuts every service down gracefully.
/// `prepare` runs once LISTEN is active but before the stage runners (and their
/// sweepers, every quarter of `lease`, with `lease` as the hand-off grace) start.
func withPipeline(
    lease: Duration = .seconds(60),
    deliveryHold: Duration = .seconds(900),
    prefetch: UInt16 = 4,
    retryPolicy: RetryPolicy = RetryPolicy(),
    retryDelay: Duration = .milliseconds(400),
    metricsRegistry: PrometheusCollectorRegistry = PrometheusCollectorRegistry(),
    prepare: @escaping @Sendable (Pipeline) async throws -> Void = { _ in },
    _ body: @escaping @Sendable (Pipeline) async throws -> Void
) async throws {
    try await withTestSchema { pool, _ in
        let migrations = repositoryRoot.appendingPathComponent("infra/migrations")
        _ = try await Migrator(pool: pool, directory: migrations, logger: TestDatabase.logger).migrate()
        try await TestBroker.withTopology(retryDelay: retryDelay) { topology in
            let logger = Logger(label: "sluice.test.worker") { _ in SwiftLogNoOpLogHandler() }
            let artifacts = try ArtifactStore(root: FileManager.default.temporaryDirectory.appendingPathComponent("sluice-artifacts-\(UUID())"))
            defer { try? FileManager.default.removeItem(at: artifacts.root) }
            let store = JobStore(pool: pool)
            let listener = PostgresListener(configuration: TestDatabase.configuration(), channels: [JobAnnouncement.channel], logger: logger)
            let runners: [any Service] = try Stage.allCases.flatMap { stage -> [any Service] in [
                StageRunner(stage: stage, handler: EchoStage(stage: stage), amqp: try TestBroker.configuration(), store: store,
                            artifacts: artifacts, topology: topology, prefetch: prefetch, retryPolicy: retryPolicy,
                            lease: lease, deliveryHold: deliveryHold, metricsRegistry: metricsRegistry, logger: logger),
                AttemptSweeper(stage: stage, store: store, amqp: try TestBroker.configuration(), topology: topology, retryPolicy: retryPolicy,
                               interval: lease / 4, handOffGrace: lease, metricsRegistry: metricsRegistry, logger: logger),
            ] }
            let publisher = AMQPPublisher(configuration: try TestBroker.configuration(), logger: logger)
            let listening = ServiceGroup(services: [listener, publisher], gracefulShutdownSignals: [], cancellationSignals: [], logger: logger)
            let working = ServiceGroup(services: runners, gracefulShutdownSignals: [], cancellationSignals: [], logger: logger)
            let events = JobEvents()
            let pipeline = Pipeline(pool: pool, store: store, artifacts: artifacts, topology: topology, publisher: publisher, events: events)
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { for await event in listener.events { events.record(event) } }
                try await whileRunning([listening]) {
                    try await withTimeout(.seconds(15), waitingFor: "LISTEN") { await events.wait { _, listening in listening } }
                    try await prepare(pipeline)
                    try await whileRunning([working]) { try await body(pipeline) }
                }
                try await group.waitForAll()
            }
        }
    }
}

/// The job announcements seen on `sluice_job_events`, and waiting for one; what it has
/// seen and who waits are guarded by a `Mutex`.
final class JobEvents: Sendable {
    private struct State {
        var seen: [JobAnnouncement] = []
        var listening = false
        var waiters: [UUID: (condition: Condition, continuation: CheckedContinuation<Void, Never>)] = [:]
    }

    private let state = Mutex(State())

    /// Tested under the lock with what has been announced and whether LISTEN is active.
    typealias Condition = @Sendable (_ seen: [JobAnnouncement], _ listening: Bool) -> Bool

    var snapshot: [JobAnnouncement] { state.withLock { $0.seen } }

    func record(_ event: PostgresListener.Event) {
        let ready = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            switch event {
            case .listening, .reconnected: state.listening = true
            case .notification(_, let payload):
                if let announcement = JobAnnouncement(payload: payload) { state.seen.append(announcement) }
            }
            let (seen, listening) = (state.seen, state.listening)
            let done = state.waiters.filter { $0.value.condition(seen, listening) }
            done.keys.forEach { state.waiters.removeValue(forKey: $0) }
            return done.values.map(\.continuation)
        }
        ready.forEach { $0.resume() }
    }

    /// Returns once `condition` holds for what has been seen; also on cancellation.
    func wait(until condition: @escaping Condition) async {
        let id = UUID()
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let satisfied = state.withLock { state in
                    if condition(state.seen, state.listening) || Task.isCancelled { return true }
                    state.waiters[id] = (condition, continuation)
                    return false
                }
                if satisfied { continuation.resume() }
            }
        } onCancel: {
            state.withLock { $0.waiters.removeValue(forKey: id) }?.continuation.resume()
        }
    }
}
