import Foundation
import Logging
import SluiceCore
import SluiceJobs
import SluiceRecords
import SluiceWorker

/// The normalize stage: reads the job's `validated.csv`, rescales the values as the
/// job's `normalization` setting asks (z-score by default, min-max, or z-score per
/// category), and writes `normalized.csv` with the rescaled value as column `z`.
///
/// Runs on ``CPUNormalizer`` in float64. Reading, the arithmetic and writing all
/// happen on one of the threads of a ``BlockingThreadPool`` so the job never blocks the cooperative pool.
struct NormalizerStage: StageHandler {
    private let threads: BlockingThreadPool
    private let normalizer = CPUNormalizer()

    /// - Parameter threads: where the blocking work runs; the caller owns their lifetime.
    init(threads: BlockingThreadPool) {
        self.threads = threads
    }

    func run(_ job: StageJob) async throws -> StageResult {
        let config: ProcessingConfig
        do {
            config = try ProcessingConfig(json: Array(job.config.text.utf8))
        } catch {
            throw StageError(.invalidData, "the job's processing_config cannot be read: \(error)")
        }
        let (jobID, artifacts, normalizer, method) = (job.message.jobID, job.artifacts, normalizer, config.normalization)
        let report = try await threads.run {
            let records = try Self.readValidated(jobID, artifacts)
            let start = ContinuousClock.now
            let result = normalizer.normalize(records.values, categories: records.categories, method: method)
            let elapsed = ContinuousClock.now - start
            try artifacts.write(NormalizedCSV.encode(records, scaled: result.scaled), jobID, NormalizedCSV.artifactName)
            return Report(count: records.count, result: result, seconds: elapsed.seconds)
        }
        job.logger.info("normalized", metadata: [
            "normalize.method": "\(method.rawValue)",
            "normalize.records": "\(report.count)",
            "normalize.device": "\(CPUNormalizer.device)",
            "normalize.seconds": "\(report.seconds)",
        ])
        return StageResult(outcome: report.outcome(method))
    }

    /// Reads and parses the validated records; a missing or malformed artifact is
    /// invalid data, since retrying cannot change what the validator wrote.
    private static func readValidated(_ jobID: UUID, _ artifacts: ArtifactStore) throws -> ValidatedRecords {
        let name = ValidatedRecords.artifactName
        let data: Data
        do {
            data = try artifacts.read(jobID, name)
        } catch let error as CocoaError where error.code == .fileReadNoSuchFile || error.code == .fileNoSuchFile {
            throw StageError(.invalidData, "\(name) is missing: \(artifacts.url(jobID, name).path)")
        }
        do {
            return try ValidatedRecords(csv: [UInt8](data))
        } catch {
            throw StageError(.invalidData, "\(name) line \(error.line): \(error.message)")
        }
    }

    /// What one run measured, carried back from the compute thread.
    private struct Report: Sendable {
        var count: Int
        var result: NormalizationResult
        /// The arithmetic alone, without reading and writing the artifacts.
        var seconds: Double

        func outcome(_ method: Normalization) -> StageOutcome {
            let statistics = result.statistics
            var metrics: [StageOutcome.Metric] = [
                .init("mean", statistics.mean, unit: "value"),
                .init("std", statistics.std, unit: "value"),
                .init("min", statistics.min, unit: "value"),
                .init("max", statistics.max, unit: "value"),
                // 1 when every value is the same: every z (or min-max) value was set to 0.
                .init("constant_values", statistics.isConstant ? 1 : 0, unit: "flag"),
                .init("normalize_seconds", seconds, unit: "seconds"),
                // A clock too coarse for a tiny job would otherwise divide by zero.
                .init("records_per_second", Double(count) / Swift.max(seconds, 1e-9), unit: "records_per_second"),
            ]
            if method == .zScorePerCategory {
                metrics.append(.init("categories", Double(result.categories), unit: "categories"))
                metrics.append(.init("constant_categories", Double(result.constantCategories), unit: "categories"))
            }
            return StageOutcome(recordsIn: count, recordsOut: count, device: CPUNormalizer.device, metrics: metrics)
        }
    }
}

extension Duration {
    /// The duration in seconds, as a Double.
    fileprivate var seconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) * 1e-18
    }
}
