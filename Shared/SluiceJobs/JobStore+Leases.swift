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

    /// What became of an attempt whose lease ran out.
    public enum ExpiredLease: Sendable, Equatable {
        /// Abandoned (cause `worker_lost`): publish `successor`, the stage's next attempt,
        /// then ``recordHandOff(of:)`` the abandoned `attempt`.
        case abandoned(attempt: StageMessage, successor: StageMessage)
        /// It was the stage's last attempt for a lost worker: the attempt and its job are
        /// failed (cause `worker_lost`, with `error`); dead-letter `attempt`.
        case failed(attempt: StageMessage, error: String)
    }

    /// Ends up to `limit` running attempts of `stage` whose lease has run out: each is
    /// abandoned and its next attempt owed, or, when it was attempt `maxAttempts` or
    /// later, failed with its job. Attempts of jobs that are over meanwhile are
    /// abandoned with nothing owed and are not returned. Replicas sweeping at once skip
    /// each other's rows.
    public func expireLeases(of stage: Stage, maxAttempts: Int, limit: Int = 100) async throws -> [ExpiredLease] {
        try await pool.withTransaction { db in
            let expired = try db.query("""
                SELECT a.job_id, a.attempt, a.worker, j.status, j.trace_id, j.submitted_at
                FROM stage_attempts a JOIN jobs j USING (job_id)
                WHERE a.stage = \(stage.rawValue) AND a.outcome = 'running' AND a.lease_expires_at < now()
                ORDER BY a.lease_expires_at
                LIMIT \(limit)
                FOR UPDATE OF a SKIP LOCKED
                """)
            var ended: [ExpiredLease] = []
            for row in expired {
                let attempt = try StageMessage(row, stage: stage, attempt: try row.decode("attempt"))
                let worker: String = try row.decode("worker")
                let jobIsOver = JobStatus(rawValue: try row.decode("status"))?.isFinal ?? true
                if attempt.attempt >= maxAttempts && !jobIsOver {
                    let error = "the \(stage.rawValue) stage's lease ran out on attempt \(attempt.attempt), the last for a lost worker (held by \(worker))"
                    try db.execute("""
                        UPDATE stage_attempts SET outcome = 'failed', finished_at = now(), error_cause = 'worker_lost', error = \(error)
                        WHERE job_id = \(attempt.jobID) AND stage = \(stage.rawValue) AND attempt = \(attempt.attempt)
                        """)
                    try db.execute("""
                        UPDATE jobs SET status = 'failed', failed_stage = \(stage.rawValue), error = \(error), finished_at = now(), updated_at = now()
                        WHERE job_id = \(attempt.jobID)
                        """)
                    try Self.announce(db, attempt.jobID, status: .failed, stage: stage)
                    ended.append(.failed(attempt: attempt, error: error))
                    continue
                }
                try db.execute("""
                    UPDATE stage_attempts
                    SET outcome = 'abandoned', finished_at = now(), error_cause = 'worker_lost',
                        error = \("the lease of \(worker) ran out"),
                        handed_off_at = CASE WHEN \(jobIsOver) THEN now() END
                    WHERE job_id = \(attempt.jobID) AND stage = \(stage.rawValue) AND attempt = \(attempt.attempt)
                    """)
                if !jobIsOver { ended.append(.abandoned(attempt: attempt, successor: attempt.nextAttempt())) }
            }
            return ended
        }
    }
}
