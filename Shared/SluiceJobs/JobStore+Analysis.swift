import Foundation
import SluiceContracts
import SluicePostgres

extension JobStore {
    /// Everything recorded about a job that its summary is made of.
    public struct JobRecord: Sendable {
        public let jobID: UUID
        public let source: JobSource
        public let submittedAt: Date
        public let recordCount: Int?
        public let replyTo: String?
        public let correlationID: String?
        /// The succeeded attempt of each stage (the latest, should a stage have run twice), in stage order.
        public let attempts: [StageAttempt]
        /// `job_metrics` by stage and name.
        public let metrics: [String: [String: Double]]

        /// A metric's value, if recorded.
        public func metric(_ stage: Stage, _ metric: JobMetric) -> Double? { metrics[stage.rawValue]?[metric.name] }
    }

    /// The job's row, its succeeded attempts and its metrics.
    public func record(of jobID: UUID) async throws -> JobRecord {
        try await pool.withConnection { db in
            let job = try db.query("""
                SELECT source, submitted_at, record_count, reply_to, correlation_id FROM jobs WHERE job_id = \(jobID)
                """).single()
            var succeeded: [Stage: StageAttempt] = [:]
            for attempt in try JobStore.attempts(of: jobID, on: db) where attempt.outcome == .succeeded {
                if attempt.attempt >= succeeded[attempt.stage]?.attempt ?? 0 { succeeded[attempt.stage] = attempt }
            }
            var metrics: [String: [String: Double]] = [:]
            for row in try db.query("SELECT stage, name, value FROM job_metrics WHERE job_id = \(jobID)") {
                metrics[try row.decode("stage"), default: [:]][try row.decode("name")] = try row.decode("value")
            }
            return JobRecord(
                jobID: jobID,
                source: JobSource(rawValue: try job.decode("source")) ?? .http,
                submittedAt: try job.decode("submitted_at"),
                recordCount: try job.decode("record_count"),
                replyTo: try job.decode("reply_to"),
                correlationID: try job.decode("correlation_id"),
                attempts: Stage.allCases.compactMap { succeeded[$0] },
                metrics: metrics
            )
        }
    }
}
