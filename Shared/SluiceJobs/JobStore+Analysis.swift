import Foundation
import SluiceContracts
import SluicePostgres

extension JobStore {
    /// Everything recorded about a job that its summary is made of.
    public struct JobRecord: Sendable {
        public struct Attempt: Sendable {
            public let stage: Stage
            public let device: String?
            public let queueWaitSeconds: Double
            public let serviceSeconds: Double?
            public let recordsIn: Int?
            public let recordsOut: Int?
        }

        public let jobID: UUID
        public let source: JobSource
        public let submittedAt: Date
        public let recordCount: Int?
        public let replyTo: String?
        public let correlationID: String?
        /// The succeeded attempt of each stage (the latest, should a stage have run twice).
        public let attempts: [Attempt]
        /// `job_metrics` by stage and name.
        public let metrics: [String: [String: Double]]

        /// A metric's value, if recorded.
        public func metric(_ stage: Stage, _ name: String) -> Double? { metrics[stage.rawValue]?[name] }
    }

    /// The job's row, its succeeded attempts and its metrics.
    public func record(of jobID: UUID) async throws -> JobRecord {
        try await pool.withConnection { db in
            let job = try db.query("""
                SELECT source, submitted_at, record_count, reply_to, correlation_id FROM jobs WHERE job_id = \(jobID)
                """).single()
            let attempts = try db.query("""
                SELECT DISTINCT ON (stage) stage, device, queue_wait_seconds, service_seconds, records_in, records_out
                FROM stage_latency WHERE job_id = \(jobID) AND outcome = 'succeeded'
                ORDER BY stage, attempt DESC
                """).compactMap { row -> JobRecord.Attempt? in
                guard let stage = Stage(rawValue: try row.decode("stage")) else { return nil }
                return JobRecord.Attempt(
                    stage: stage, device: try row.decode("device"), queueWaitSeconds: try row.decode("queue_wait_seconds"),
                    serviceSeconds: try row.decode("service_seconds"), recordsIn: try row.decode("records_in"), recordsOut: try row.decode("records_out")
                )
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
                attempts: attempts.sorted { Stage.allCases.firstIndex(of: $0.stage)! < Stage.allCases.firstIndex(of: $1.stage)! },
                metrics: metrics
            )
        }
    }
}
