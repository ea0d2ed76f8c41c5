import Foundation
import Prometheus
import SluiceContracts
import SluiceJobs
import SluiceObservability
import SluicePostgres
import SluiceWorker

/// The analyze stage: joins what the other stages recorded (quality counts,
/// statistics, per-category aggregates, per-stage timings, RDD vs DataFrame) into the
/// ``JobSummary``, prices it, writes `summary.json`, and returns the summary so that
/// the runner stores it, completes the job, and replies to `reply_to`.
struct AnalyzerStage: StageHandler {
    let store: JobStore
    let prices: PriceTable
    /// `sluice_job_duration_seconds`: completed jobs' time from accepted to analyzed.
    var jobDuration = PrometheusMetricsFactory.defaultRegistry.makeDurationHistogram(
        descriptor: .sluice("sluice_job_duration_seconds", help: "Completed jobs' time from accepted to analyzed"),
        buckets: [.milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(2.5), .seconds(5), .seconds(10), .seconds(30), .seconds(60), .seconds(300), .seconds(1800)]
    )

    func run(_ job: StageJob) async throws -> StageResult {
        let jobID = job.message.jobID
        let record = try await store.record(of: jobID)
        let aggregates: SparkReply
        do { aggregates = try JSONDecoder().decode(SparkReply.self, from: try job.artifacts.read(jobID, ArtifactName.aggregates)) } catch {
            throw StageError.unreadableInput(of: job, "cannot be read: \(error)")
        }
        guard let dataframe = aggregates.dataframe, let categories = aggregates.categories else {
            throw StageError.unreadableInput(of: job, "holds no DataFrame timing or aggregates")
        }
        let summary = summarize(record, aggregates, dataframe: dataframe, categories: categories, now: Date())
        jobDuration.record(.seconds(summary.processingTime))
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let body = try encoder.encode(summary)
        try job.artifacts.write(body, jobID, ArtifactName.summary)

        let reply = record.replyTo.map { StageResult.Reply(queue: $0, correlationID: record.correlationID, body: Array(body)) }
        let outcome = StageOutcome(
            recordsIn: summary.records.received, recordsOut: summary.recordsProcessed,
            metrics: [
                .init(.processingTime, summary.processingTime, stage: "job"),
                .init(.throughput, summary.throughputRecordsPerSecond, stage: "job"),
                .init(.cost, summary.cost.usd, stage: "job"),
                .init(.costPerRecord, summary.cost.usdPerRecord, stage: "job"),
            ]
        )
        return StageResult(outcome: outcome, summary: PostgresJSON(rawJSON: String(decoding: body, as: UTF8.self)), reply: reply)
    }

    private func summarize(
        _ record: JobStore.JobRecord, _ aggregates: SparkReply, dataframe: SparkReply.Timing, categories: [CategoryAggregate], now: Date
    ) -> JobSummary {
        let received = Int(record.metric(.validate, .recordsTotal) ?? Double(record.recordCount ?? 0))
        let valid = Int(record.metric(.validate, .recordsValid) ?? Double(received))
        let processingTime = max(now.timeIntervalSince(record.submittedAt), 1e-9)
        let stages = record.attempts.map {
            JobSummary.StageTiming(stage: $0.stage.rawValue, device: $0.device, queueWaitSeconds: $0.queueWaitSeconds, serviceSeconds: $0.serviceSeconds)
        }
        let computeSeconds = record.attempts.reduce(0) { $0 + ($1.serviceSeconds ?? 0) }
        let usd = record.attempts.reduce(0) { $0 + ($1.serviceSeconds ?? 0) * prices.perSecond(on: $1.device) }
        let pipelines = JobSummary.Pipelines(
            dataframeSeconds: dataframe.seconds,
            rddSeconds: aggregates.rdd?.seconds,
            speedup: aggregates.speedup,
            winner: (aggregates.rdd?.seconds).map { $0 < dataframe.seconds ? "rdd" : "dataframe" } ?? "dataframe",
            agree: aggregates.comparison?.agree,
            batchedJobs: aggregates.batch?.jobs,
            concurrent: aggregates.pipelinesConcurrent
        )
        return JobSummary(
            jobID: record.jobID.uuidString.lowercased(),
            status: JobStatus.completed.rawValue,
            source: record.source.rawValue,
            processingTime: processingTime,
            recordsProcessed: valid,
            throughputRecordsPerSecond: Double(valid) / processingTime,
            records: .init(
                received: received, valid: valid, invalid: Int(record.metric(.validate, .recordsInvalid) ?? 0),
                duplicates: Int(record.metric(.validate, .duplicateIDs) ?? 0)
            ),
            device: record.attempts.first { $0.stage == .normalize }?.device,
            statistics: .init(
                mean: record.metric(.normalize, .mean), std: record.metric(.normalize, .std),
                min: record.metric(.normalize, .min), max: record.metric(.normalize, .max),
                constantValues: record.metric(.normalize, .constantValues) == 1
            ),
            categories: categories,
            stages: stages,
            pipelines: pipelines,
            cost: .init(computeSeconds: computeSeconds, usd: usd, usdPerRecord: valid > 0 ? usd / Double(valid) : 0, prices: prices.stated)
        )
    }
}
