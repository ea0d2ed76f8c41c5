import Foundation
import Logging
import ServiceLifecycle
import SluiceContracts
import SluiceJobs
import SluicePostgres
import Synchronization

/// Lets requests follow jobs without polling: one LISTEN connection for the whole
/// gateway (on `sluice_job_events`), fanned out to the requests that subscribed to
/// each job.
///
/// A subscriber is woken by every announcement about its job and after the listener
/// (re)connects, because notifications sent while it was down are lost; it then
/// re-reads the job, so a change during a database blip is still noticed. At graceful
/// shutdown every subscription ends.
final class JobEvents: Service, Sendable {
    private let listener: PostgresListener
    private let store: JobStore
    private let logger: Logger
    /// Each job's subscribers, by token: how to wake one, and whether it wants only the end.
    private let subscribers = Mutex<[UUID: [Int: (continuation: AsyncStream<Void>.Continuation, finalOnly: Bool)]]>([:])
    private let nextToken = Atomic<Int>(0)
    private let listening = Atomic<Bool>(false)

    init(configuration: PostgresConfiguration, store: JobStore, logger: Logger) {
        listener = PostgresListener(configuration: configuration, channels: [JobAnnouncement.channel], logger: logger)
        self.store = store
        self.logger = logger
    }

    /// Whether the listener is connected and listening (for `/ready`).
    var isListening: Bool { listening.load(ordering: .relaxed) }

    /// One request's interest in one job: `wakes` yields after each announcement about
    /// the job (several coalesce into one) and ends at shutdown. Anyone may `poke` it too.
    struct Subscription: Sendable {
        let wakes: AsyncStream<Void>
        fileprivate let continuation: AsyncStream<Void>.Continuation
        fileprivate let jobID: UUID
        fileprivate let token: Int

        /// Wakes the subscriber as an announcement would (a keep-alive timer does).
        func poke() { continuation.yield() }
    }

    /// Subscribes to `jobID`'s announcements; subscribe before reading the job, so that
    /// no announcement can slip in between, and ``unsubscribe(_:)`` when done. With
    /// `finalOnly`, only announcements of a final status (and reconnects) wake it.
    func subscribe(_ jobID: UUID, finalOnly: Bool = false) -> Subscription {
        let (wakes, continuation) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
        let token = nextToken.add(1, ordering: .relaxed).newValue
        subscribers.withLock { $0[jobID, default: [:]][token] = (continuation, finalOnly) }
        return Subscription(wakes: wakes, continuation: continuation, jobID: jobID, token: token)
    }

    func unsubscribe(_ subscription: Subscription) {
        subscribers.withLock { subscribers in
            subscribers[subscription.jobID]?[subscription.token] = nil
            if subscribers[subscription.jobID]?.isEmpty == true { subscribers[subscription.jobID] = nil }
        }
        subscription.continuation.finish()
    }

    /// Listens until graceful shutdown, then ends every subscription.
    func run() async throws {
        try await withThrowingDiscardingTaskGroup { group in
            group.addTask { try await self.listener.run() }
            for await event in listener.events {
                switch event {
                case .listening, .reconnected:
                    listening.store(true, ordering: .relaxed)
                    wakeAll()
                case .notification(_, let payload):
                    guard let announcement = JobAnnouncement(payload: payload) else { continue }
                    wake(announcement.jobID, final: announcement.status.isFinal)
                }
            }
            listening.store(false, ordering: .relaxed)
            for subscriber in subscribers.withLock({ $0.values.flatMap(\.values) }) { subscriber.continuation.finish() }
        }
    }

    /// Waits until the job is completed, failed or cancelled, or until `timeout` has
    /// passed (or the gateway shuts down); returns the final status, or nil if it is not
    /// final yet. Throws ``GatewayError/jobNotFound(_:)`` for an unknown job.
    func waitUntilFinal(_ jobID: UUID, timeout: Duration) async throws -> JobStatus? {
        let subscription = subscribe(jobID, finalOnly: true)
        defer { unsubscribe(subscription) }
        let store = store
        return try await withThrowingTaskGroup(of: JobStatus?.self) { group in
            group.addTask {
                var wakeUps = subscription.wakes.makeAsyncIterator()
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

    private func wake(_ jobID: UUID, final: Bool) {
        let woken = subscribers.withLock { ($0[jobID] ?? [:]).values.filter { final || !$0.finalOnly } }
        for subscriber in woken { subscriber.continuation.yield() }
    }

    private func wakeAll() {
        for subscriber in subscribers.withLock({ $0.values.flatMap(\.values) }) { subscriber.continuation.yield() }
    }
}
