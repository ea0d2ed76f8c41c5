import Foundation
import SluiceContracts
import SluicePostgres

extension JobStore {
    /// Every attempt at the job, in the order they started (`stage_latency` with each
    /// attempt's error), on `db`: the one query behind the API's attempts and the
    /// analyzer's. Rows the schema allows but this build does not know are skipped.
    public static func attempts(of jobID: UUID, on db: PostgresConnection) throws -> [StageAttempt] {
        try db.query("""
            SELECT l.stage, l.attempt, l.outcome, l.worker, l.device, a.enqueued_at, l.started_at, l.finished_at,
                   l.queue_wait_seconds, l.service_seconds, l.records_in, l.records_out, a.error_cause, a.error
            FROM stage_latency l JOIN stage_attempts a USING (job_id, stage, attempt)
            WHERE l.job_id = \(jobID)
            ORDER BY l.started_at, l.attempt
            """).compactMap { row in
            guard let stage = Stage(rawValue: try row.decode("stage")),
                  let outcome = StageAttempt.Outcome(rawValue: try row.decode("outcome"))
            else { return nil }
            return StageAttempt(
                stage: stage, attempt: try row.decode("attempt"), outcome: outcome, worker: try row.decode("worker"),
                device: try row.decode("device"), enqueuedAt: try row.decode("enqueued_at"), startedAt: try row.decode("started_at"),
                finishedAt: try row.decode("finished_at"), queueWaitSeconds: try row.decode("queue_wait_seconds"),
                serviceSeconds: try row.decode("service_seconds"), recordsIn: try row.decode("records_in"), recordsOut: try row.decode("records_out"),
                errorCause: try row.decode("error_cause", as: String?.self).flatMap(FailureCause.init(rawValue:)), error: try row.decode("error")
            )
        }
    }
}
