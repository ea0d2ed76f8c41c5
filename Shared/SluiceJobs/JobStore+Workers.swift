import Foundation
import SluiceContracts
import SluiceCore
import SluicePostgres

extension JobStore {
    /// A stage worker process, as it records itself in the `workers` table.
    public struct WorkerProcess: Sendable {
        /// `host:pid`, as its attempts name it.
        public let worker: String
        public let stage: Stage
        public let host: String
        public let pid: Int32
        public let version: String
        public let startedAt: Date

        public init(stage: Stage, host: String, pid: Int32, version: String, startedAt: Date) {
            self.worker = "\(host):\(pid)"
            self.stage = stage
            self.host = host
            self.pid = pid
            self.version = version
            self.startedAt = startedAt
        }

        /// This process, working on `stage`, started now.
        public static func this(stage: Stage) -> WorkerProcess {
            WorkerProcess(
                stage: stage, host: ProcessInfo.processInfo.hostName, pid: ProcessInfo.processInfo.processIdentifier,
                version: SluiceVersion.current, startedAt: Date()
            )
        }
    }

    /// Writes or renews `process`'s row: alive now, beating every `interval`.
    public func recordHeartbeat(of process: WorkerProcess, interval: Duration) async throws {
        _ = try await pool.withConnection { db in
            try db.execute("""
                INSERT INTO workers (worker, stage, host, pid, version, started_at, last_seen_at, heartbeat_seconds)
                VALUES (\(process.worker), \(process.stage.rawValue), \(process.host), \(Int(process.pid)), \(process.version),
                        \(process.startedAt), now(), \(interval.seconds))
                ON CONFLICT (worker, stage) DO UPDATE SET
                    version = EXCLUDED.version, started_at = EXCLUDED.started_at,
                    last_seen_at = now(), heartbeat_seconds = EXCLUDED.heartbeat_seconds, stopped_at = NULL
                """)
        }
    }

    /// Marks `process` stopped (a graceful stop).
    public func recordStop(of process: WorkerProcess) async throws {
        _ = try await pool.withConnection { db in
            try db.execute("UPDATE workers SET stopped_at = now() WHERE worker = \(process.worker) AND stage = \(process.stage.rawValue)")
        }
    }

    /// Deletes the rows of workers not seen for `age`: processes long gone.
    @discardableResult
    public func forgetWorkers(notSeenFor age: Duration) async throws -> Int {
        try await pool.withConnection { db in
            try db.execute("DELETE FROM workers WHERE last_seen_at < now() - make_interval(secs => \(age.seconds))")
        }
    }
}
