import Foundation
import SluiceContracts
import SluiceCore
import SluicePostgres

extension JobStore {
    /// Records that the broker confirmed the message carrying the job on from `attempt`
    /// (`stage_attempts.handed_off_at`), so that no sweeper sends it again.
    public func recordHandOff(of attempt: StageMessage) async throws {
        try await pool.withConnection { db in
            _ = try db.execute("""
                UPDATE stage_attempts SET handed_off_at = coalesce(handed_off_at, now())
                WHERE job_id = \(attempt.jobID) AND stage = \(attempt.stage.rawValue) AND attempt = \(attempt.attempt)
                """)
        }
    }

    /// A finished attempt whose hand-off is owed: publish `successor`, then ``recordHandOff(of:)`` `attempt`.
    public struct OwedHandOff: Sendable, Equatable {
        public let attempt: StageMessage
        public let successor: StageMessage
    }

    /// Up to `limit` attempts of `stage` that finished (succeeded, retried or abandoned)
    /// more than `grace` ago and whose hand-off was never confirmed: their worker died
    /// between committing the outcome and publishing what follows. Attempts whose job
    /// is over, or whose successor has already begun (the publish went through, its
    /// record did not), are settled here and not returned.
    public func owedHandOffs(of stage: Stage, finishedBefore grace: Duration, limit: Int = 100) async throws -> [OwedHandOff] {
        try await pool.withTransaction { db in
            let rows = try db.query("""
                SELECT a.job_id, a.attempt, a.outcome, j.status, j.trace_id, j.submitted_at
                FROM stage_attempts a JOIN jobs j USING (job_id)
                WHERE a.stage = \(stage.rawValue) AND a.handed_off_at IS NULL AND a.outcome IN ('succeeded', 'retried', 'abandoned')
                  AND a.finished_at < now() - make_interval(secs => \(grace.seconds))
                ORDER BY a.finished_at
                LIMIT \(limit)
                FOR UPDATE OF a SKIP LOCKED
                """)
            var owed: [OwedHandOff] = []
            for row in rows {
                let attempt = try StageMessage(row, stage: stage, attempt: try row.decode("attempt"))
                let successor: StageMessage? = try row.decode("outcome", as: String.self) == "succeeded"
                    ? stage.next.map { attempt.handOff(to: $0) }
                    : attempt.nextAttempt()
                let jobIsOver = JobStatus(rawValue: try row.decode("status"))?.isFinal ?? true
                // Begun: an attempt of the successor's stage started after this one did (after a
                // retry from an earlier stage, the next stage's attempt 1 is an old row).
                let successorBegun = try successor.map {
                    try db.query("""
                        SELECT 1 FROM stage_attempts s, stage_attempts a
                        WHERE s.job_id = \($0.jobID) AND s.stage = \($0.stage.rawValue) AND s.attempt >= \($0.attempt)
                          AND a.job_id = \(attempt.jobID) AND a.stage = \(stage.rawValue) AND a.attempt = \(attempt.attempt)
                          AND s.started_at > a.started_at
                        """).first != nil
                } ?? true
                if let successor, !jobIsOver, !successorBegun {
                    owed.append(OwedHandOff(attempt: attempt, successor: successor))
                } else {
                    try db.execute("""
                        UPDATE stage_attempts SET handed_off_at = now()
                        WHERE job_id = \(attempt.jobID) AND stage = \(stage.rawValue) AND attempt = \(attempt.attempt)
                        """)
                }
            }
            return owed
        }
    }
}
