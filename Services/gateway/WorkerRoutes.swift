import Foundation
import Hummingbird
import SluicePostgres

/// `GET /api/v1/workers`: every stage worker process that is alive, and those lost or
/// stopped within the last hour, from the `worker_status` view (each process's
/// heartbeat row, with its attempts counted from `stage_attempts`).
struct WorkerRoutes: Sendable {
    let pool: PostgresPool

    /// Lost and stopped workers are listed this long after they were last seen.
    static let recentlyGone = 3600.0

    func register(on router: Router<GatewayRequestContext>) {
        router.get("api/v1/workers") { _, _ in WorkerList(workers: try await self.workers()) }
    }

    func workers() async throws -> [WorkerList.Worker] {
        try await pool.withConnection { db in
            try db.query("""
                SELECT worker, stage, host, pid, version, started_at, last_seen_at, stopped_at, state, heartbeat_seconds,
                       attempts_in_flight, attempts_succeeded, attempts_failed, last_attempt_at
                FROM worker_status
                WHERE state = 'alive' OR last_seen_at > now() - make_interval(secs => \(Self.recentlyGone))
                ORDER BY array_position(ARRAY['validate', 'normalize', 'spark', 'analyze'], stage), host, pid
                """).map(WorkerList.Worker.init)
        }
    }
}

/// The body of `GET /api/v1/workers`.
struct WorkerList: ResponseEncodable {
    /// One worker process, as `worker_status` has it (`stopped_at` and `last_attempt_at` absent when none).
    struct Worker: Encodable {
        let worker: String
        let stage: String
        let host: String
        let pid: Int
        let version: String
        let startedAt: Date
        let lastSeenAt: Date
        let stoppedAt: Date?
        let state: String
        let heartbeatSeconds: Double
        let attemptsInFlight: Int
        let attemptsSucceeded: Int
        let attemptsFailed: Int
        let lastAttemptAt: Date?

        enum CodingKeys: String, CodingKey {
            case worker, stage, host, pid, version, startedAt = "started_at", lastSeenAt = "last_seen_at", stoppedAt = "stopped_at"
            case state, heartbeatSeconds = "heartbeat_seconds", attemptsInFlight = "attempts_in_flight"
            case attemptsSucceeded = "attempts_succeeded", attemptsFailed = "attempts_failed", lastAttemptAt = "last_attempt_at"
        }

        init(_ row: PostgresRow) throws {
            worker = try row.decode("worker")
            stage = try row.decode("stage")
            host = try row.decode("host")
            pid = try row.decode("pid")
            version = try row.decode("version")
            startedAt = try row.decode("started_at")
            lastSeenAt = try row.decode("last_seen_at")
            stoppedAt = try row.decode("stopped_at")
            state = try row.decode("state")
            heartbeatSeconds = try row.decode("heartbeat_seconds")
            attemptsInFlight = try row.decode("attempts_in_flight")
            attemptsSucceeded = try row.decode("attempts_succeeded")
            attemptsFailed = try row.decode("attempts_failed")
            lastAttemptAt = try row.decode("last_attempt_at")
        }
    }

    let workers: [Worker]
}
