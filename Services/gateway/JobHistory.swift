import Foundation
import Hummingbird
import SluiceContracts
import SluiceJobs
import SluicePostgres

/// The gateway's read-only queries over the job-history schema (the `job_history` and
/// `stage_latency` views and `job_results`), for the REST API. A request names a job
/// through ``jobID(_:)``, which finds only the jobs its key may see (its owner's).
struct JobHistory: Sendable {
    let pool: PostgresPool

    /// One row of `job_history`, as the API lists it.
    struct Job: Encodable, Sendable {
        /// The id; not encoded (``jobID`` is its lower-case text).
        let id: UUID
        let jobID: String
        let source: String
        let status: JobStatus
        let owner: String
        let recordCount: Int?
        let submittedAt: Date
        let startedAt: Date?
        let finishedAt: Date?
        let durationSeconds: Double?
        let failedStage: String?
        let error: String?
        let hasResults: Bool
        let links: Links

        struct Links: Encodable, Sendable {
            let this: String
            let results: String
            enum CodingKeys: String, CodingKey { case this = "self", results }
        }

        enum CodingKeys: String, CodingKey {
            case jobID = "job_id", source, status, owner, recordCount = "record_count", submittedAt = "submitted_at"
            case startedAt = "started_at", finishedAt = "finished_at", durationSeconds = "duration_seconds"
            case failedStage = "failed_stage", error, hasResults = "has_results", links
        }

        init(_ row: PostgresRow) throws {
            id = try row.decode("job_id")
            jobID = id.uuidString.lowercased()
            source = try row.decode("source")
            status = JobStatus(rawValue: try row.decode("status")) ?? .failed  // the schema allows no other value
            owner = try row.decode("owner")
            recordCount = try row.decode("record_count")
            submittedAt = try row.decode("submitted_at")
            startedAt = try row.decode("started_at")
            finishedAt = try row.decode("finished_at")
            durationSeconds = try row.decode("duration_seconds")
            failedStage = try row.decode("failed_stage")
            error = try row.decode("error")
            hasResults = try row.decode("has_results")
            links = Links(this: JobLinks.job(id), results: JobLinks.results(id))
        }
    }

    /// What `GET /api/v1/jobs` filters by.
    struct Filter: Sendable {
        /// Only this owner's jobs; nil for every owner's.
        var owner: String?
        var statuses: [JobStatus] = []
        var since: Date?
        var until: Date?
        /// Only jobs that finished at or after this time (and so have finished).
        var finishedSince: Date?
        /// List the jobs submitted before this one (the previous page's `next_cursor`).
        var after: UUID?
        var limit = 50
    }

    /// The newest jobs first, and the cursor for the next page (nil on the last).
    func jobs(_ filter: Filter) async throws -> (jobs: [Job], next: UUID?) {
        let statuses = filter.statuses.isEmpty ? nil : filter.statuses.map(\.rawValue).joined(separator: ",")
        let rows = try await pool.withConnection { db in
            try db.query("""
                SELECT job_id, source, status, owner, record_count, submitted_at, started_at, finished_at, duration_seconds,
                       failed_stage, error, has_results
                FROM job_history
                WHERE (\(filter.owner)::text IS NULL OR owner = \(filter.owner)::text)
                  AND (\(statuses)::text IS NULL OR status = ANY (string_to_array(\(statuses)::text, ',')))
                  AND (\(filter.since)::timestamptz IS NULL OR submitted_at >= \(filter.since)::timestamptz)
                  AND (\(filter.until)::timestamptz IS NULL OR submitted_at < \(filter.until)::timestamptz)
                  AND (\(filter.finishedSince)::timestamptz IS NULL OR finished_at >= \(filter.finishedSince)::timestamptz)
                  AND (\(filter.after)::uuid IS NULL
                       OR (submitted_at, job_id) < (SELECT submitted_at, job_id FROM jobs WHERE job_id = \(filter.after)::uuid))
                ORDER BY submitted_at DESC, job_id DESC
                LIMIT \(filter.limit + 1)
                """)
        }
        var jobs = try rows.map(Job.init)
        let next = jobs.count > filter.limit ? jobs[filter.limit - 1].id : nil
        if jobs.count > filter.limit { jobs.removeLast(jobs.count - filter.limit) }
        return (jobs, next)
    }

    /// The most candidates an ambiguous prefix's refusal lists.
    static let maxCandidates = 10

    /// The job `text` names among `owner`'s jobs (every owner's for nil): a whole id, or a
    /// prefix that exactly one job begins with. Throws ``GatewayError/jobNotFound(_:)``
    /// for text that is neither, a prefix no job begins with, or an id of another
    /// owner's job (with every owner's, a whole id is returned unchecked: the query that
    /// follows finds no job), and ``GatewayError/ambiguousJobID(_:candidates:more:)`` for
    /// a prefix several do, listing the newest.
    func resolve(_ text: String, owner: String?) async throws -> UUID {
        guard let reference = JobReference(text) else {
            throw GatewayError.jobNotFound("\"\(text)\" (a job id is a UUID, or its first \(JobReference.minimumPrefixDigits) or more hex digits)")
        }
        guard case .prefix = reference else {
            let jobID = reference.bounds.lowest
            if owner != nil, try await !exists(jobID, owner: owner) { throw GatewayError.jobNotFound(jobID.uuidString.lowercased()) }
            return jobID
        }
        let (lowest, highest) = reference.bounds
        let candidates: [UUID] = try await pool.withConnection { db in
            try db.query("""
                SELECT job_id FROM jobs WHERE job_id BETWEEN \(lowest) AND \(highest)
                  AND (\(owner)::text IS NULL OR owner = \(owner)::text)
                ORDER BY submitted_at DESC LIMIT \(Self.maxCandidates + 1)
                """).map { try $0.decode("job_id") }
        }
        switch candidates.count {
        case 0: throw GatewayError.jobNotFound("beginning with \(text.lowercased())")
        case 1: return candidates[0]
        default:
            throw GatewayError.ambiguousJobID(
                text.lowercased(), candidates: Array(candidates.prefix(Self.maxCandidates)), more: candidates.count > Self.maxCandidates
            )
        }
    }

    /// The `:id` path parameter, resolved as ``resolve(_:owner:)`` does among the jobs
    /// the request may see.
    func jobID(_ context: GatewayRequestContext) async throws -> UUID {
        try await resolve(try context.parameters.require("id"), owner: context.visibleOwner)
    }

    /// Whether a job with this id exists among `owner`'s jobs (every owner's for nil).
    func exists(_ jobID: UUID, owner: String?) async throws -> Bool {
        try await pool.withConnection { db in
            try !db.query("SELECT 1 FROM jobs WHERE job_id = \(jobID) AND (\(owner)::text IS NULL OR owner = \(owner)::text)").isEmpty
        }
    }

    /// The status of each of `jobIDs` that is among `owner`'s jobs (every owner's for nil).
    func statuses(of jobIDs: [UUID], owner: String?) async throws -> [UUID: JobStatus] {
        guard !jobIDs.isEmpty else { return [:] }
        let ids = jobIDs.map { $0.uuidString.lowercased() }.joined(separator: ",")
        let rows = try await pool.withConnection { db in
            try db.query("""
                SELECT job_id, status FROM jobs
                WHERE job_id = ANY (string_to_array(\(ids)::text, ',')::uuid[]) AND (\(owner)::text IS NULL OR owner = \(owner)::text)
                """)
        }
        return try Dictionary(rows.map { (try $0.decode("job_id"), JobStatus(rawValue: try $0.decode("status")) ?? .failed) }, uniquingKeysWith: { first, _ in first })
    }

    /// The job, its stored `processing_config` (JSON text), its trace id and every stage attempt.
    func job(_ jobID: UUID) async throws -> (job: Job, config: String, traceID: String?, attempts: [StageAttempt])? {
        try await pool.withConnection { db in
            guard let row = try db.query("""
                SELECT h.job_id, h.source, h.status, h.owner, h.record_count, h.submitted_at, h.started_at, h.finished_at,
                       h.duration_seconds, h.failed_stage, h.error, h.has_results, j.config, j.trace_id
                FROM job_history h JOIN jobs j USING (job_id)
                WHERE h.job_id = \(jobID)
                """).first else { return nil }
            let attempts = try JobStore.attempts(of: jobID, on: db)
            let config: PostgresJSON = try row.decode("config")
            return (try Job(row), config.text, try row.decode("trace_id"), attempts)
        }
    }

    /// The job's status, failure and summary (JSON text, once it completed); nil for an unknown job.
    func outcome(_ jobID: UUID) async throws -> (status: JobStatus, durationSeconds: Double?, error: String?, failedStage: String?, summary: String?)? {
        try await pool.withConnection { db in
            guard let row = try db.query("""
                SELECT h.status, h.duration_seconds, h.error, h.failed_stage, r.summary
                FROM job_history h LEFT JOIN job_results r USING (job_id)
                WHERE h.job_id = \(jobID)
                """).first else { return nil }
            let summary: PostgresJSON? = try row.decode("summary")
            return (JobStatus(rawValue: try row.decode("status")) ?? .failed, try row.decode("duration_seconds"), try row.decode("error"), try row.decode("failed_stage"), summary?.text)
        }
    }
}

/// The API's URLs for a job.
enum JobLinks {
    static func job(_ jobID: UUID) -> String { "/api/v1/jobs/\(jobID.uuidString.lowercased())" }
    static func results(_ jobID: UUID) -> String { "\(job(jobID))/results" }
}
