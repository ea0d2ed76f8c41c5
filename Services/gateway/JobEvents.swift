import Foundation
import Logging
import ServiceLifecycle
import SluiceContracts
import SluiceJobs
import SluicePostgres
import Synchronization

/// Lets requests wait for a job to finish without polling: one LISTEN connection for
/// the whole gateway (on `sluice_job_events`), fanned out to the requests waiting on
/// each job.
///
/// A waiter re-reads its job's status when a final status is announced for it, and
/// after the listener (re)connects, because notifications sent while it was down are
/// lost; so a job that finishes during a database blip is still noticed.
final class JobEvents: Service, Sendable {
    private let listener: PostgresListener
    private let store: JobStore
    private let logger: Logger
    private let waiters = Mutex<[UUID: [Int: AsyncStream<Void>.Continuation]]>([:])
    private let nextToken = Atomic<Int>(0)
    private let listening = Atomic<Bool>(false)

    init(configuration: PostgresConfiguration, store: JobStore, logger: Logger) {
        listener = PostgresListener(configuration: configuration, channels: [JobStore.eventsChannel], logger: logger)
        self.store = store
        self.logger = logger
    }

    /// Whether the listener is connected and listening (for `/ready`).
    var isListening: Bool { listening.load(ordering: .relaxed) }

    /// Listens until graceful shutdown.
    func run() async throws {
        try await withThrowingDiscardingTaskGroup { group in
            group.addTask { try await self.listener.run() }
            for await event in listener.events {
                switch event {
                case .listening, .reconnected:
                    listening.store(true, ordering: .relaxed)
                    wakeAll()
                case .notification(_, let payload):
                    guard let event = JobAnnouncement(payload: payload),
                          let status = JobStatus(rawValue: event.status), status.isFinal
                    else { continue }
                    wake(event.jobID)
                }
            }
            listening.store(false, ordering: .relaxed)
            wakeAll()
        }
    }

    /// Waits until the job is completed, failed or cancelled, or until `timeout` has
    /// passed; returns the final status, or nil on timeout. Throws ``GatewayError/jobNotFound(_:)``
    /// for an unknown job.
    func waitUntilFinal(_ jobID: UUID, timeout: Duration) async throws -> JobStatus? {
        let (signals, continuation) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
        let token = nextToken.add(1, ordering: .relaxed).newValue
        waiters.withLock { $0[jobID, default: [:]][token] = continuation }
        defer {
            waiters.withLock { waiters in
                waiters[jobID]?[token] = nil
                if waiters[jobID]?.isEmpty == true { waiters[jobID] = nil }
            }
            continuation.finish()
        }
        let store = store
        return try await withThrowingTaskGroup(of: JobStatus?.self) { group in
            group.addTask {
                // Registered before the first read, so an announcement cannot slip in between.
                var wakeUps = signals.makeAsyncIterator()
                repeat {
                    guard let status = try await store.status(of: jobID) else {
                        throw GatewayError.jobNotFound(jobID.uuidString.lowercased())
                    }
                    if status.isFinal { return status }
                } while await wakeUps.next() != nil
                return nil
            }
            group.addTask {
                try? await Task.sleep(for: timeout)
                return nil
            }
            defer { group.cancelAll() }
            return try await group.next() ?? nil
        }
    }

    private func wake(_ jobID: UUID) {
        for continuation in waiters.withLock({ Array(($0[jobID] ?? [:]).values) }) { continuation.yield() }
    }

    private func wakeAll() {
        for continuation in waiters.withLock({ $0.values.flatMap(\.values) }) { continuation.yield() }
    }
}
