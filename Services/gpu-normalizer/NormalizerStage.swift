import Foundation
import Logging
import SluiceCore
import SluiceJobs
import SluiceRecords
import SluiceWorker

/// The normalize stage: reads the job's `validated.csv`, rescales the values as the
/// job's `normalization` setting asks (z-score by default, min-max, or z-score per
/// category), and writes `normalized.csv` with the rescaled value as column `z` (a
/// directory of parts for a large job, see ``NormalizedCSV``).
///
/// Reading and writing stream the artifacts a chunk at a time on a thread of the
/// ``BlockingThreadPool``, so the job never blocks the cooperative pool and memory
/// stays at 12 bytes a record (values rescaled in place, category indices) plus the
/// chunks; ``ComputeDevices`` chooses the device.
struct NormalizerStage: StageHandler {
    private let threads: BlockingThreadPool
    private let devices: ComputeDevices
    private let chunkBytes: Int
    private let partBytes: Int

    /// - Parameters:
    ///   - threads: where the blocking work runs; the caller owns their lifetime.
    ///   - chunkBytes: bytes read and written at a time (`SLUICE_NORMALIZE_CHUNK_BYTES`).
    ///   - partBytes: the size past which the output is split into parts (`SLUICE_NORMALIZE_PART_BYTES`).
    init(threads: BlockingThreadPool, devices: ComputeDevices, chunkBytes: Int, partBytes: Int) {
        self.threads = threads
        self.devices = devices
        self.chunkBytes = chunkBytes
        self.partBytes = partBytes
    }

    func run(_ job: StageJob) async throws -> StageResult {
        let config: ProcessingConfig
        do {
            config = try ProcessingConfig(json: Array(job.config.text.utf8))
        } catch {
            throw StageError(.invalidData, "the job's processing_config cannot be read: \(error)")
        }
        let validated = job.artifacts.url(job.message.jobID, ValidatedRecords.artifactName)
        let target = job.artifacts.url(job.message.jobID, NormalizedCSV.artifactName)
        let (chunkBytes, partBytes) = (chunkBytes, partBytes)
        let records = try await threads.run { try Self.read(validated, chunkBytes: chunkBytes) }
        let run = try await devices.normalize(records, method: config.normalization, gpuEnabled: config.gpuEnabled, logger: job.logger) {
            try Self.read(validated, chunkBytes: chunkBytes)
        }
        let scaled = run.normalized.scaled
        try await threads.run { try NormalizedCSV.write(from: validated, scaled: scaled, to: target, chunkBytes: chunkBytes, partBytes: partBytes) }
        job.logger.info("normalized", metadata: [
            "normalize.method": "\(config.normalization.rawValue)",
            "normalize.records": "\(records.count)",
            "normalize.device": "\(run.device)",
            "normalize.device_reason": "\(run.cpuReason ?? "")",
            "normalize.seconds": "\(run.seconds)",
        ])
        return StageResult(outcome: Self.outcome(run, count: records.count, method: config.normalization))
    }

    /// Reads and parses the validated records; a missing or malformed artifact is
    /// invalid data, since retrying cannot change what the validator wrote.
    private static func read(_ url: URL, chunkBytes: Int) throws -> ValidatedRecords {
        let name = ValidatedRecords.artifactName
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw StageError(.invalidData, "\(name) is missing: \(url.path)")
        }
        do {
            return try ValidatedRecords(url: url, chunkBytes: chunkBytes)
        } catch let error as CSVError {
            throw StageError(.invalidData, "\(name) line \(error.line): \(error.message)")
        }
    }

    private static func outcome(_ run: ComputeDevices.Run, count: Int, method: Normalization) -> StageOutcome {
        let summary = run.normalized.summary
        let statistics = summary.statistics
        var metrics: [StageOutcome.Metric] = [
            .init("mean", statistics.mean, unit: "value"),
            .init("std", statistics.std, unit: "value"),
            .init("min", statistics.min, unit: "value"),
            .init("max", statistics.max, unit: "value"),
            // 1 when every value is the same: every z (or min-max) value was set to 0.
            .init("constant_values", statistics.isConstant ? 1 : 0, unit: "flag"),
            .init("normalize_seconds", run.seconds, unit: "seconds"),
            // A clock too coarse for a tiny job would otherwise divide by zero.
            .init("records_per_second", Double(count) / Swift.max(run.seconds, 1e-9), unit: "records_per_second"),
            // 1 when the GPU failed (gpu_error) and the CPU normalized the job instead.
            .init("gpu_fallback", run.gpuFailed ? 1 : 0, unit: "flag"),
        ]
        if method == .zScorePerCategory {
            metrics.append(.init("categories", Double(summary.categories), unit: "categories"))
            metrics.append(.init("constant_categories", Double(summary.constantCategories), unit: "categories"))
        }
        return StageOutcome(recordsIn: count, recordsOut: count, device: run.device, metrics: metrics)
    }
}
