import Foundation
import Logging
import ServiceLifecycle
import SluiceContracts
import SluiceJobs
import SluicePostgres
import SluiceTestSupport

/// Awaits jobs' final announcements on `sluice_job_events` (LISTEN/NOTIFY), for jobs
/// that enter without an HTTP request to wait on (scripts' jobs). Used from one task.
final class JobWatcher {
    private var events: AsyncStream<PostgresListener.Event>.Iterator
    private var finished: [UUID: String] = [:]

    private init(_ listener: PostgresListener) {
        events = listener.events.makeAsyncIterator()
    }

    /// Runs `body` with a watcher that is already listening.
    static func run<T: Sendable>(_ database: PostgresConfiguration, _ body: (JobWatcher) async throws -> T) async throws -> T {
        let listener = PostgresListener(configuration: database, channels: [JobAnnouncement.channel], logger: TestDatabase.logger)
        let group = ServiceGroup(services: [listener], gracefulShutdownSignals: [], cancellationSignals: [], logger: TestDatabase.logger)
        return try await whileRunning([group]) {
            let watcher = JobWatcher(listener)
            guard await watcher.events.next() == .listening else { throw CancellationError() }
            return try await body(watcher)
        }
    }

    /// Forgets the job's final status, to await the next one after a retry.
    func forget(_ jobID: UUID) {
        finished[jobID] = nil
    }

    /// The job's final status (`completed`, `failed`, `cancelled`) once announced.
    func finalStatus(of jobID: UUID) async -> String? {
        while finished[jobID] == nil {
            guard let event = await events.next() else { return nil }
            guard case .notification(_, let payload) = event,
                  let announcement = JobAnnouncement(payload: payload),
                  announcement.status.isFinal
            else { continue }
            finished[announcement.jobID] = announcement.status.rawValue
        }
        return finished[jobID]
    }
}
