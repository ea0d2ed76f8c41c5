import Foundation
import SluiceContracts
import SluicePostgres

/// What `sluice report` shows of the job history since a point in time, read from the
/// public schema (`job_history`, `stage_latency`, `stage_attempts`, `job_metrics`) in
/// one transaction, so every section sees the same jobs.
struct JobReport: Sendable {
    /// Jobs in one status.
    struct StatusCount: Sendable, Equatable {
        let status: String
        let jobs: Int
    }

    /// Jobs of one size bucket that ran both Spark pipelines.
    struct PipelineComparison: Sendable, Equatable {
        let bucket: String
        let jobs: Int
        let meanRDDSeconds: Double
        let meanDataFrameSeconds: Double
    }

    /// One stage's succeeded attempts.
    struct StageLatency: Sendable, Equatable {
        let stage: String
        let attempts: Int
        let meanQueueWaitSeconds: Double
        let meanServiceSeconds: Double
        let p95ServiceSeconds: Double
    }

    /// Completed jobs that finished in one time bucket.
    struct ThroughputPoint: Sendable, Equatable {
        let bucketStart: Date
        let jobs: Int
        let records: Int
        /// Records over the jobs' summed end-to-end time.
        let recordsPerSecond: Double
    }

    /// The cost of the completed jobs of one size bucket.
    struct CostBucket: Sendable, Equatable {
        let bucket: String
        let jobs: Int
        let totalUSD: Double
        let meanUSDPerRecord: Double
    }

    /// Failed and retried attempts by cause.
    struct FailureCause: Sendable, Equatable {
        let cause: String
        let failed: Int
        let retried: Int
        let example: String?
    }

    let since: Date
    let generatedAt: Date
    let statuses: [StatusCount]
    let pipelines: [PipelineComparison]
    let stages: [StageLatency]
    let throughput: [ThroughputPoint]
    /// The width of a throughput bucket: `hour` or `day`.
    let throughputBucket: String
    let costs: [CostBucket]
    let failures: [FailureCause]
    /// The whole-job latency (accepted to finished: `job_history.duration_seconds`) of each
    /// completed job, ascending.
    let latencies: [Double]

    /// The size bucket of a job of `records` records; labels sort in size order.
    static func sizeBucket(records: Int) -> String {
        switch records {
        case ..<1_000: "1: under 1k"
        case ..<10_000: "2: 1k-10k"
        case ..<100_000: "3: 10k-100k"
        case ..<1_000_000: "4: 100k-1M"
        default: "5: 1M and more"
        }
    }

    /// One job's figures from `job_metrics`, for the sections grouped by size.
    private struct JobFigures {
        let records: Int
        let completed: Bool
        let rddSeconds: Double?
        let dataframeSeconds: Double?
        let costUSD: Double?
        let costPerRecordUSD: Double?
    }

    /// Reads the report of the jobs submitted since `since`.
    static func read(from pool: PostgresPool, since: Date, now: Date = Date()) async throws -> JobReport {
        let throughputBucket = now.timeIntervalSince(since) > 3 * 86_400 ? "day" : "hour"
        return try await pool.withTransaction { db in
            let statuses = try db.query("""
                SELECT status, count(*)::int AS jobs FROM job_history WHERE submitted_at >= \(since)
                GROUP BY status ORDER BY jobs DESC, status
                """).map { StatusCount(status: try $0.decode("status"), jobs: try $0.decode("jobs")) }
            let figures = try db.query("""
                SELECT j.record_count, j.status = 'completed' AS completed,
                       max(m.value) FILTER (WHERE m.stage = 'spark' AND m.name = \(JobMetric.rddSeconds.name)) AS rdd,
                       max(m.value) FILTER (WHERE m.stage = 'spark' AND m.name = \(JobMetric.dataframeSeconds.name)) AS df,
                       max(m.value) FILTER (WHERE m.stage = 'job' AND m.name = \(JobMetric.cost.name)) AS cost,
                       max(m.value) FILTER (WHERE m.stage = 'job' AND m.name = \(JobMetric.costPerRecord.name)) AS per_record
                FROM jobs j JOIN job_metrics m USING (job_id)
                WHERE j.submitted_at >= \(since) AND j.record_count IS NOT NULL
                GROUP BY j.job_id
                """).map {
                JobFigures(
                    records: try $0.decode("record_count"), completed: try $0.decode("completed"), rddSeconds: try $0.decode("rdd"),
                    dataframeSeconds: try $0.decode("df"), costUSD: try $0.decode("cost"), costPerRecordUSD: try $0.decode("per_record")
                )
            }
            let stages = try db.query("""
                SELECT l.stage, count(*)::int AS attempts, avg(l.queue_wait_seconds) AS wait, avg(l.service_seconds) AS service,
                       percentile_cont(0.95) WITHIN GROUP (ORDER BY l.service_seconds) AS p95
                FROM stage_latency l JOIN jobs j USING (job_id)
                WHERE l.outcome = 'succeeded' AND j.submitted_at >= \(since)
                GROUP BY l.stage
                ORDER BY array_position(ARRAY['validate', 'normalize', 'spark', 'analyze'], l.stage::text)
                """).map {
                StageLatency(
                    stage: try $0.decode("stage"), attempts: try $0.decode("attempts"), meanQueueWaitSeconds: try $0.decode("wait"),
                    meanServiceSeconds: try $0.decode("service"), p95ServiceSeconds: try $0.decode("p95")
                )
            }
            let throughput = try db.query("""
                SELECT date_trunc(\(throughputBucket), finished_at) AS bucket, count(*)::int AS jobs,
                       coalesce(sum(record_count), 0)::int AS records,
                       coalesce(sum(record_count) / nullif(sum(duration_seconds), 0), 0)::float8 AS rate
                FROM job_history
                WHERE status = 'completed' AND submitted_at >= \(since)
                GROUP BY 1 ORDER BY 1
                """).map {
                ThroughputPoint(bucketStart: try $0.decode("bucket"), jobs: try $0.decode("jobs"), records: try $0.decode("records"), recordsPerSecond: try $0.decode("rate"))
            }
            let failures = try db.query("""
                SELECT a.error_cause AS cause, count(*) FILTER (WHERE a.outcome = 'failed')::int AS failed,
                       count(*) FILTER (WHERE a.outcome = 'retried')::int AS retried, min(a.error) AS example
                FROM stage_attempts a JOIN jobs j USING (job_id)
                WHERE a.outcome IN ('failed', 'retried') AND a.error_cause IS NOT NULL AND j.submitted_at >= \(since)
                GROUP BY a.error_cause ORDER BY count(*) DESC, cause
                """).map {
                FailureCause(cause: try $0.decode("cause"), failed: try $0.decode("failed"), retried: try $0.decode("retried"), example: try $0.decode("example"))
            }
            let latencies = try db.query("""
                SELECT duration_seconds FROM job_history
                WHERE status = 'completed' AND submitted_at >= \(since)
                ORDER BY duration_seconds
                """).map { try $0.decode("duration_seconds", as: Double.self) }
            return JobReport(
                since: since, generatedAt: now, statuses: statuses, pipelines: pipelines(figures), stages: stages,
                throughput: throughput, throughputBucket: throughputBucket, costs: costs(figures), failures: failures,
                latencies: latencies
            )
        }
    }

    private static func pipelines(_ figures: [JobFigures]) -> [PipelineComparison] {
        let compared = figures.compactMap { job in job.rddSeconds.flatMap { rdd in job.dataframeSeconds.map { (job.records, rdd, $0) } } }
        return Dictionary(grouping: compared) { sizeBucket(records: $0.0) }.map { bucket, jobs in
            PipelineComparison(
                bucket: bucket, jobs: jobs.count,
                meanRDDSeconds: jobs.map(\.1).reduce(0, +) / Double(jobs.count),
                meanDataFrameSeconds: jobs.map(\.2).reduce(0, +) / Double(jobs.count)
            )
        }.sorted { $0.bucket < $1.bucket }
    }

    private static func costs(_ figures: [JobFigures]) -> [CostBucket] {
        let costed = figures.filter(\.completed).compactMap { job in job.costUSD.flatMap { cost in job.costPerRecordUSD.map { (job.records, cost, $0) } } }
        return Dictionary(grouping: costed) { sizeBucket(records: $0.0) }.map { bucket, jobs in
            CostBucket(
                bucket: bucket, jobs: jobs.count, totalUSD: jobs.map(\.1).reduce(0, +),
                meanUSDPerRecord: jobs.map(\.2).reduce(0, +) / Double(jobs.count)
            )
        }.sorted { $0.bucket < $1.bucket }
    }
}
