import Foundation
import SluiceColumns
import SluiceContracts
import SluiceJobs
import SluiceRecords
import SluiceWorker

/// The spark stage: asks the warm Spark driver to aggregate the job's
/// `normalized.parquet` (see ``RecordParquet``) with the DataFrame pipeline and (unless `compare_pipelines` is
/// false) the RDD pipeline, checks they agree, and writes the driver's reply as
/// `aggregates.json` with the timings as metrics. A job whose input is one part of at
/// most `batchMaxBytes` may share its Spark job with others (see ``SparkDriver``); its
/// `batch_jobs` metric says with how many.
struct SparkStage: StageHandler {
    let driver: SparkDriver
    let master: String
    let batchMaxBytes: Int
    let pipelines: SparkConfiguration.Pipelines

    func run(_ job: StageJob) async throws -> StageResult {
        let config: ProcessingConfig
        do { config = try ProcessingConfig(json: Array(job.config.text.utf8)) } catch {
            throw StageError(.invalidData, "the job's processing_config: \(error.message)")
        }
        let jobID = job.message.jobID
        let requestID = "\(job.message.messageID)-\(UUID().uuidString.prefix(8))"
        let input = job.artifacts.url(jobID, ArtifactName.normalized).path
        let request: [String: any Sendable] = [
            "request_id": requestID,
            "job_id": jobID.uuidString.lowercased(),
            "input": input,
            "compare_pipelines": config.comparePipelines,
            "pipelines": pipelines.rawValue,
        ]
        let answer: SparkDriver.Answer
        do { answer = try await driver.send(request, id: requestID, batchable: isSmall(input)) } catch {
            throw StageError(.sparkDriverCrash, "\(error)")
        }
        let reply = answer.reply
        guard reply.ok == true, let dataframe = reply.dataframe else {
            let failure = reply.error ?? .init(kind: "spark_error", message: "the driver answered without a result")
            switch failure.kind {
            case "input_missing", "input_invalid": throw StageError.unreadableInput(of: job, failure.message)
            case "pipelines_disagree": throw StageError(.internalError, "RDD and DataFrame results disagree: \(failure.message)")
            default: throw StageError(.sparkDriverCrash, failure.message)
            }
        }
        try job.artifacts.write(Data(answer.line.utf8), jobID, ArtifactName.aggregates)

        var metrics: [StageOutcome.Metric] = [
            .init(.dataframeSeconds, dataframe.seconds),
            .init(.dataframeRecordsPerSecond, dataframe.throughputRecordsPerSecond),
        ]
        if let rdd = reply.rdd, let speedup = reply.speedup {
            metrics += [
                .init(.rddSeconds, rdd.seconds),
                .init(.rddRecordsPerSecond, rdd.throughputRecordsPerSecond),
                .init(.rddVersusDataframeSpeedup, speedup),
            ]
        }
        if let difference = reply.comparison?.maxAbsDifference {
            metrics.append(.init(.rddDataframeMaxAbsDifference, difference))
        }
        if let batch = reply.batch {
            metrics += [
                .init(.batchJobs, Double(batch.jobs)),
                .init(.batchRecords, Double(batch.records)),
            ]
        }
        let records = reply.records ?? 0
        return StageResult(outcome: StageOutcome(recordsIn: records, recordsOut: records, device: "spark:\(master)", metrics: metrics))
    }

    /// Whether the artifact is one part no larger than `batchMaxBytes`.
    private func isSmall(_ path: String) -> Bool {
        let first = (path as NSString).appendingPathComponent(RecordParquet.partName(0))
        let second = (path as NSString).appendingPathComponent(RecordParquet.partName(1))
        var status = stat()
        return stat(first, &status) == 0 && Int(status.st_size) <= batchMaxBytes && access(second, F_OK) != 0
    }
}
