import Foundation
import Logging
import ServiceLifecycle
import SluiceContracts
import SluiceCore
import SluiceJobs

/// Records this worker process in the `workers` table: at start, then every `interval`
/// (the `worker_status` view, `GET /api/v1/workers` and the dashboard's workers read
/// it), and as stopped on a graceful stop. Rows of processes gone for a day are deleted
/// on the way. A beat that fails (the database is down) is logged and the next one
/// tried: a worker that cannot reach the database shows as lost, which it is.
final class WorkerHeartbeat: Service, Sendable {
    /// Rows of workers not seen for this long are deleted.
    static let forgetAfter = Duration.seconds(86_400)

    private let process: JobStore.WorkerProcess
    private let store: JobStore
    private let interval: Duration
    private let logger: Logger

    init(process: JobStore.WorkerProcess, store: JobStore, interval: Duration, logger: Logger) {
        self.process = process
        self.store = store
        self.interval = interval
        self.logger = logger
    }

    func run() async throws {
        var beats = 0
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            do {
                try await store.recordHeartbeat(of: process, interval: interval)
                // Once at start and about hourly after.
                if beats % max(1, Int(3600 / interval.seconds)) == 0 { try await store.forgetWorkers(notSeenFor: Self.forgetAfter) }
                beats += 1
            } catch {
                logger.warning("heartbeat not recorded; trying again next beat", metadata: ["error": "\(error)"])
            }
            // A timer, not a wait for an event: a heartbeat is periodic by nature.
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: self.interval) }
        }
        do {
            try await store.recordStop(of: process)
        } catch {
            logger.warning("stop not recorded; the worker will show as lost", metadata: ["error": "\(error)"])
        }
    }
}
