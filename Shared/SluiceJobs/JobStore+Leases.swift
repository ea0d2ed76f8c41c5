import Foundation
import SluiceContracts
import SluiceCore
import SluicePostgres

extension JobStore {
    /// Pushes the attempt's lease `lease` past now; returns false when the attempt is no
    /// longer this worker's running attempt (taken over or abandoned).
    public func renewLease(_ message: StageMessage, worker: String, lease: Duration) async throws -> Bool {
        try await pool.withConnection { db in
            try db.execute("""
                UPDATE stage_attempts SET lease_expires_at = now() + make_interval(secs => \(lease.seconds))
                WHERE job_id = \(message.jobID) AND stage = \(message.stage.rawValue) AND attempt = \(message.attempt)
                  AND worker = \(worker) AND outcome = 'running'
                """) == 1
        }
    }

    /// Abandons up to `limit` running attempts of `stage` whose lease has run out
    /// (outcome `abandoned`, cause `worker_lost`) and returns the messages for their
    /// next attempts, to publish; jobs that are final meanwhile get none. Replicas
    /// sweeping at once skip each other's rows.
    public func abandonExpiredAttempts(of stage: Stage, limit: Int = 100) async throws -> [StageMessage] {
        try await pool.withTransaction { db in
            let expired = try db.query("""
                SELECT a.job_id, a.attempt, a.worker, j.status, j.trace_id, j.submitted_at
                FROM stage_attempts a JOIN jobs j USING (job_id)
                WHERE a.stage = \(stage.rawValue) AND a.outcome = 'running' AND a.lease_expires_at < now()
                ORDER BY a.lease_expires_at
                LIMIT \(limit)
                FOR UPDATE OF a SKIP LOCKED
                """)
            var next: [StageMessage] = []
            for row in expired {
                let jobID: UUID = try row.decode("job_id")
                let attempt: Int = try row.decode("attempt")
                let worker: String = try row.decode("worker")
                try db.execute("""
                    UPDATE stage_attempts
                    SET outcome = 'abandoned', finished_at = now(), error_cause = 'worker_lost',
                        error = \("the lease of \(worker) ran out")
                    WHERE job_id = \(jobID) AND stage = \(stage.rawValue) AND attempt = \(attempt)
                    """)
                guard let status = JobStatus(rawValue: try row.decode("status")), !status.isFinal else { continue }
                next.append(StageMessage(
                    jobID: jobID, stage: stage, attempt: attempt + 1,
                    traceID: try row.decode("trace_id", as: String?.self) ?? UUID().uuidString.lowercased(),
                    submittedAt: try row.decode("submitted_at")
                ))
            }
            return next
        }
    }

    /// Undoes the abandonment behind `next` (its previous attempt runs again, lease
    /// still expired) when `next` could not be published, so the next sweep tries again.
    public func restoreAbandoned(_ next: StageMessage) async throws {
        try await pool.withConnection { db in
            _ = try db.execute("""
                UPDATE stage_attempts SET outcome = 'running', finished_at = NULL, error_cause = NULL, error = NULL
                WHERE job_id = \(next.jobID) AND stage = \(next.stage.rawValue) AND attempt = \(next.attempt - 1) AND outcome = 'abandoned'
                """)
        }
    }
}
