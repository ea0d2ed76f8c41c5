import Foundation
import SluiceContracts
import SluiceCore
import SluicePostgres

/// The job-history tables as the services write them: every statement is named here,
/// parameterised, and safe to repeat, so a redelivered message or a stage that runs
/// twice leaves one set of rows and status changes.
public struct JobStore: Sendable {
    let pool: PostgresPool

    /// Creates a store over `pool`.
    public init(pool: PostgresPool) {
        self.pool = pool
    }

    /// What a new job row says.
    public struct NewJob: Sendable {
        public var jobID: UUID
        public var source: JobSource
        public var config: PostgresJSON
        public var recordCount: Int?
        public var idempotencyKey: String?
        public var traceID: String
        /// Queue for the summary, for jobs published by scripts.
        public var replyTo: String?
        public var correlationID: String?
        /// The API key that submitted the job over HTTP.
        public var submittedBy: String?
        /// The job's owner (``JobOwner``).
        public var owner: String

        public init(
            jobID: UUID = UUID(), source: JobSource, config: PostgresJSON, recordCount: Int?, idempotencyKey: String?,
            traceID: String, replyTo: String? = nil, correlationID: String? = nil, submittedBy: String? = nil,
            owner: String = JobOwner.standard
        ) {
            self.jobID = jobID
            self.source = source
            self.config = config
            self.recordCount = recordCount
            self.idempotencyKey = idempotencyKey
            self.traceID = traceID
            self.replyTo = replyTo
            self.correlationID = correlationID
            self.submittedBy = submittedBy
            self.owner = owner
        }
    }

    /// Inserts the job, or returns the existing one with the same idempotency key (or id).
    ///
    /// - Returns: the job's id, submission time and trace id, and whether this call created it.
    public func createJob(_ job: NewJob) async throws -> (jobID: UUID, submittedAt: Date, created: Bool, traceID: String) {
        try await pool.withConnection { db in
            let inserted = try db.query("""
                INSERT INTO jobs (job_id, source, config, record_count, idempotency_key, trace_id, reply_to, correlation_id, submitted_by, owner)
                VALUES (\(job.jobID), \(job.source.rawValue), \(job.config), \(job.recordCount), \(job.idempotencyKey),
                        \(job.traceID), \(job.replyTo), \(job.correlationID), \(job.submittedBy), \(job.owner))
                ON CONFLICT DO NOTHING
                RETURNING job_id, submitted_at
                """)
            if let row = inserted.first {
                return (try row.decode("job_id"), try row.decode("submitted_at"), true, job.traceID)
            }
            let existing = try db.query("""
                SELECT job_id, submitted_at, trace_id FROM jobs
                WHERE job_id = \(job.jobID) OR idempotency_key = \(job.idempotencyKey)
                """).single()
            return (try existing.decode("job_id"), try existing.decode("submitted_at"), false, try existing.decode("trace_id", as: String?.self) ?? job.traceID)
        }
    }

    /// Deletes a job that no stage has begun (status `queued`, no attempts), with
    /// everything that refers to it; returns whether it was deleted.
    public func deleteUnstartedJob(_ jobID: UUID) async throws -> Bool {
        try await pool.withConnection { db in
            try !db.query("""
                DELETE FROM jobs j WHERE j.job_id = \(jobID) AND j.status = 'queued'
                    AND NOT EXISTS (SELECT FROM stage_attempts a WHERE a.job_id = j.job_id)
                RETURNING j.job_id
                """).isEmpty
        }
    }

    /// What ``beginAttempt(_:worker:)`` found.
    public enum Admission: Sendable, Equatable {
        /// Run the stage, with the job's `processing_config`, as `attempt`: the message's,
        /// or the stage's next one when the stage before ran again since this stage's latest
        /// attempt (a retry that started at an earlier stage). `owner` is the job's (``JobOwner``).
        case run(config: PostgresJSON, attempt: Int, owner: String)
        /// This attempt already succeeded (its hand-off may not have been published): skip the work.
        case alreadySucceeded
        /// The job is final or past this stage: nothing to do.
        case alreadyPast(JobStatus)
        /// This attempt was abandoned (its lease ran out), retried or failed, or a later
        /// attempt carries the stage: the message is a stale copy.
        case superseded
        /// No such job.
        case unknownJob
    }

    /// Claims `message`'s stage for `worker`: moves the job's status to the stage's and
    /// records the attempt as running, unless the job is past it.
    public func beginAttempt(_ message: StageMessage, worker: String, lease: Duration = .seconds(60)) async throws -> Admission {
        try await pool.withTransaction { db in
            guard let job = try db.query("SELECT status, config, owner FROM jobs WHERE job_id = \(message.jobID) FOR UPDATE").first else {
                return .unknownJob
            }
            let status = JobStatus(rawValue: try job.decode("status")) ?? .failed
            guard status.admits(message.stage) else { return .alreadyPast(status) }
            var attempt = message.attempt
            if let own = try db.query("""
                SELECT outcome FROM stage_attempts
                WHERE job_id = \(message.jobID) AND stage = \(message.stage.rawValue) AND attempt = \(message.attempt)
                """).first {
                let latest = try db.query("""
                    SELECT a.attempt, a.outcome <> 'running' AND EXISTS (
                        SELECT FROM stage_attempts p
                        WHERE p.job_id = a.job_id AND p.stage = \(message.stage.previous?.rawValue) AND p.started_at > a.started_at
                    ) AS rerun
                    FROM stage_attempts a WHERE a.job_id = \(message.jobID) AND a.stage = \(message.stage.rawValue)
                    ORDER BY a.attempt DESC LIMIT 1
                    """).single()
                if try latest.decode("rerun", as: Bool.self) {
                    // The stage before ran again since this stage's latest attempt began: a
                    // retry started at an earlier stage (this stage's input was damaged or
                    // missing) hands the job on with new input. Run as the next attempt,
                    // keeping the earlier attempts' rows.
                    attempt = try latest.decode("attempt", as: Int.self) + 1
                } else if try latest.decode("attempt", as: Int.self) > message.attempt {
                    return .superseded
                } else {
                    switch try own.decode("outcome", as: String.self) {
                    case "succeeded": return .alreadySucceeded
                    case "abandoned", "retried", "failed": return .superseded
                    default: break  // still running: its worker was lost, and the message came back
                    }
                }
            }

            try db.execute("""
                UPDATE jobs SET status = \(message.stage.runningStatus.rawValue), started_at = coalesce(started_at, now()), updated_at = now()
                WHERE job_id = \(message.jobID)
                """)
            try db.execute("""
                INSERT INTO stage_attempts (job_id, stage, attempt, worker, enqueued_at, started_at, lease_expires_at)
                VALUES (\(message.jobID), \(message.stage.rawValue), \(attempt), \(worker), \(message.enqueuedAt), now(),
                        now() + make_interval(secs => \(lease.seconds)))
                ON CONFLICT (job_id, stage, attempt)
                DO UPDATE SET worker = excluded.worker, started_at = now(), finished_at = NULL, outcome = 'running',
                    lease_expires_at = excluded.lease_expires_at
                """)
            try Self.announce(db, message.jobID, status: message.stage.runningStatus, stage: message.stage)
            return .run(config: try job.decode("config"), attempt: attempt, owner: try job.decode("owner"))
        }
    }

    /// Thrown when a worker records the end of an attempt that another worker has
    /// taken over since (the message was redelivered after this worker was presumed
    /// lost): its result is refused, the other worker's stands.
    public struct AttemptTakenOver: Error, CustomStringConvertible {
        public let message: StageMessage
        public let worker: String
        public var description: String {
            "\(message.stage.rawValue) attempt \(message.attempt) of job \(message.jobID.uuidString.lowercased()) is no longer \(worker)'s"
        }
    }

    /// Records a successful attempt with its figures; when `summary` is given (the last
    /// stage), also the job's result and its completion. One transaction, fenced: it
    /// throws ``AttemptTakenOver`` (writing nothing) unless the attempt is still
    /// running under `worker`.
    public func completeAttempt(_ message: StageMessage, worker: String, outcome: StageOutcome, summary: PostgresJSON? = nil) async throws {
        try await pool.withTransaction { db in
            let mine = try db.execute("""
                UPDATE stage_attempts
                SET outcome = 'succeeded', finished_at = now(), device = \(outcome.device),
                    records_in = \(outcome.recordsIn), records_out = \(outcome.recordsOut),
                    handed_off_at = CASE WHEN \(message.stage.next == nil) THEN now() END
                WHERE job_id = \(message.jobID) AND stage = \(message.stage.rawValue) AND attempt = \(message.attempt)
                  AND worker = \(worker) AND outcome = 'running'
                """)
            guard mine == 1 else { throw AttemptTakenOver(message: message, worker: worker) }
            if !outcome.metrics.isEmpty {
                // One statement for all of them: a stage reports up to a dozen, and each round trip costs the server more than the row.
                try db.execute("""
                    INSERT INTO job_metrics (job_id, stage, name, value, unit)
                    SELECT \(message.jobID), m.stage, m.name, m.value::double precision, m.unit
                    FROM jsonb_to_recordset(\(try MetricRows(outcome.metrics, stage: message.stage))) AS m(stage text, name text, value text, unit text)
                    ON CONFLICT (job_id, stage, name) DO UPDATE SET value = excluded.value, unit = excluded.unit, recorded_at = now()
                    """)
            }
            if let recordCount = outcome.jobRecordCount {
                try db.execute("UPDATE jobs SET record_count = \(recordCount), updated_at = now() WHERE job_id = \(message.jobID)")
            }
            if let summary {
                try db.execute("""
                    INSERT INTO job_results (job_id, summary)
                    SELECT \(message.jobID), \(summary) WHERE NOT EXISTS (SELECT FROM jobs WHERE job_id = \(message.jobID) AND status = 'cancelled')
                    ON CONFLICT (job_id) DO NOTHING
                    """)
                let completed = try db.execute("""
                    UPDATE jobs SET status = 'completed', finished_at = now(), updated_at = now()
                    WHERE job_id = \(message.jobID) AND status NOT IN ('completed', 'failed', 'cancelled')
                    """)
                if completed > 0 { try Self.announce(db, message.jobID, status: .completed, stage: message.stage) }
            } else {
                // The status stays the stage's until the next stage claims the job; the
                // announcement tells followers (the events stream) that the attempt finished.
                try Self.announce(db, message.jobID, status: message.stage.runningStatus, stage: message.stage)
            }
        }
    }

    /// Records a failed attempt that will run again (outcome `retried`); the job stays
    /// at its stage. Fenced like ``completeAttempt(_:worker:outcome:summary:)``.
    public func retryAttempt(_ message: StageMessage, worker: String, cause: FailureCause, error: String) async throws {
        try await pool.withTransaction { db in
            let mine = try db.execute("""
                UPDATE stage_attempts
                SET outcome = 'retried', finished_at = now(), error_cause = \(cause.rawValue), error = \(error)
                WHERE job_id = \(message.jobID) AND stage = \(message.stage.rawValue) AND attempt = \(message.attempt)
                  AND worker = \(worker) AND outcome = 'running'
                """)
            guard mine == 1 else { throw AttemptTakenOver(message: message, worker: worker) }
            try Self.announce(db, message.jobID, status: message.stage.runningStatus, stage: message.stage)
        }
    }

    /// Fails the attempt and the job, naming the stage and the reason. With `worker`,
    /// fenced like ``completeAttempt(_:worker:outcome:summary:)``; without, it fails
    /// whatever attempt is recorded (for failures found before the stage ran).
    public func failJob(_ message: StageMessage, worker: String? = nil, cause: FailureCause, error: String) async throws {
        try await pool.withTransaction { db in
            let mine = try db.execute("""
                UPDATE stage_attempts
                SET outcome = 'failed', finished_at = now(), error_cause = \(cause.rawValue), error = \(error)
                WHERE job_id = \(message.jobID) AND stage = \(message.stage.rawValue) AND attempt = \(message.attempt)
                  AND (\(worker)::text IS NULL OR (worker = \(worker)::text AND outcome = 'running'))
                """)
            if worker != nil, mine != 1 { throw AttemptTakenOver(message: message, worker: worker ?? "") }
            try db.execute("""
                UPDATE jobs SET status = 'failed', failed_stage = \(message.stage.rawValue), error = \(error),
                    finished_at = now(), updated_at = now()
                WHERE job_id = \(message.jobID) AND status NOT IN ('completed', 'failed', 'cancelled')
                """)
            try Self.announce(db, message.jobID, status: .failed, stage: message.stage)
        }
    }

    /// The job's status, or nil for an unknown job.
    public func status(of jobID: UUID) async throws -> JobStatus? {
        try await pool.withConnection { db in
            try db.query("SELECT status FROM jobs WHERE job_id = \(jobID)").first
                .flatMap { JobStatus(rawValue: try $0.decode("status")) }
        }
    }

    /// Announces on ``JobAnnouncement/channel`` a job's new status, or that an attempt of `stage`
    /// finished (the status then stays the stage's); `stage` is null for changes no stage made (a cancel).
    static func announce(_ db: PostgresConnection, _ jobID: UUID, status: JobStatus, stage: Stage?) throws {
        try db.notify(channel: JobAnnouncement.channel, payload: JobAnnouncement(jobID: jobID, status: status, stage: stage).payload)
    }
}
