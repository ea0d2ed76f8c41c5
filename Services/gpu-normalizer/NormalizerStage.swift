import Foundation
import Logging
import SluiceColumns
import SluiceContracts
import SluiceCore
import SluiceJobs
import SluiceRecords
import SluiceWorker

/// The normalize stage: reads the job's `validated.parquet`, rescales the values as the
/// job's `normalization` setting asks (z-score by default, min-max, or z-score per
/// category), and writes `normalized.parquet`: the validated columns with the rescaled
/// value as column `z`, in parts of `partRecords` records (see ``RecordParquet``).
///
/// Reading and writing run on a thread of the ``BlockingThreadPool``, so the job never
/// blocks the cooperative pool; memory is the columns (28 bytes a record with the copy
/// that is rescaled in place) and one part's file while it is written. ``ComputeDevices``
/// chooses the device.
struct NormalizerStage: StageHandler {
    private let threads: BlockingThreadPool
    private let devices: ComputeDevices
    private let partRecords: Int

    /// - Parameters:
    ///   - threads: where the blocking work runs; the caller owns their lifetime.
    ///   - partRecords: records in each part of the output (`SLUICE_NORMALIZE_PART_RECORDS`).
    init(threads: BlockingThreadPool, devices: ComputeDevices, partRecords: Int) {
        self.threads = threads
        self.devices = devices
        self.partRecords = partRecords
    }

    func run(_ job: StageJob) async throws -> StageResult {
        let config: ProcessingConfig
        do {
            config = try ProcessingConfig(json: Array(job.config.text.utf8))
        } catch {
            throw StageError(.invalidData, "the job's processing_config cannot be read: \(error)")
        }
        let validated = job.artifacts.url(job.message.jobID, ArtifactName.validated)
        let target = job.artifacts.url(job.message.jobID, ArtifactName.normalized)
        let partRecords = partRecords
        let clock = ContinuousClock()
        let started = clock.now
        let records = try await threads.run { try Self.read(validated, of: job) }
        let read = clock.now
        let run = try await devices.normalize(records, method: config.normalization, gpuEnabled: config.gpuEnabled, logger: job.logger)
        let output = records.normalized(run.normalized.scaled)
        let normalized = clock.now
        try await threads.run { try RecordParquet.write(output, to: target, partRecords: partRecords) }
        let io = Timings(read: (read - started).seconds, write: (clock.now - normalized).seconds)
        job.logger.info("normalized", metadata: [
            "normalize.method": "\(config.normalization.rawValue)",
            "normalize.records": "\(records.count)",
            "normalize.device": "\(run.device)",
            "normalize.device_reason": "\(run.cpuReason ?? "")",
            "normalize.seconds": "\(run.seconds)",
            "normalize.read_seconds": "\(io.read)",
            "normalize.write_seconds": "\(io.write)",
        ])
        return StageResult(outcome: Self.outcome(run, io, count: records.count, method: config.normalization))
    }

    /// Reads the validated records. A missing or damaged artifact fails the job (reading
    /// it again cannot help) and is set aside, so that a retry runs validate again.
    private static func read(_ url: URL, of job: StageJob) throws -> ValidatedRecords {
        let columns: RecordColumns
        do { columns = try RecordParquet.read(url) } catch {
            throw StageError.unreadableInput(of: job, "\(error)")
        }
        guard columns.count > 0 else { throw StageError(.invalidData, "\(ArtifactName.validated) holds no records") }
        return ValidatedRecords(columns)
    }

    /// Seconds spent reading `validated.parquet` and writing `normalized.parquet`.
    private struct Timings {
        let read: Double
        let write: Double
    }

    private static func outcome(_ run: ComputeDevices.Run, _ io: Timings, count: Int, method: Normalization) -> StageOutcome {
        let summary = run.normalized.summary
        let statistics = summary.statistics
        var metrics: [StageOutcome.Metric] = [
            .init(.mean, statistics.mean),
            .init(.std, statistics.std),
            .init(.min, statistics.min),
            .init(.max, statistics.max),
            // 1 when every value is the same: every z (or min-max) value was set to 0.
            .init(.constantValues, statistics.isConstant ? 1 : 0),
            .init(.normalizeSeconds, run.seconds),
            .init(.readSeconds, io.read),
            .init(.writeSeconds, io.write),
            // A clock too coarse for a tiny job would otherwise divide by zero.
            .init(.recordsPerSecond, Double(count) / Swift.max(run.seconds, 1e-9)),
            // 1 when the GPU failed (gpu_error) and the CPU normalized the job instead.
            .init(.gpuFallback, run.gpuFailed ? 1 : 0),
        ]
        if method == .zScorePerCategory {
            metrics.append(.init(.categories, Double(summary.categories)))
            metrics.append(.init(.constantCategories, Double(summary.constantCategories)))
        }
        return StageOutcome(recordsIn: count, recordsOut: count, device: run.device, metrics: metrics)
    }
}
