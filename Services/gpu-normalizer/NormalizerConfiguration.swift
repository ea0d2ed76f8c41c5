import Foundation
import SluiceColumns
import SluiceCore
import SluiceJobs

/// The gpu-normalizer's own settings, read from the environment:
///
/// | key | default | meaning |
/// |---|---|---|
/// | `SLUICE_GPU_DEVICE` | `0` | the CUDA device to use; `-1` never uses a GPU |
/// | `SLUICE_GPU_MIN_RECORDS` | `1000000` | jobs with fewer records run on the CPU even with a GPU (the copies would cost more than they save) |
/// | `SLUICE_NORMALIZE_PART_RECORDS` | `2097152` | records in each part of `normalized.parquet` (Spark reads the parts in parallel) |
struct NormalizerConfiguration: Sendable {
    var gpuDevice: Int
    var gpuMinRecords: Int
    var partRecords: Int

    /// Every setting at its default.
    static let defaults = NormalizerConfiguration(gpuDevice: 0, gpuMinRecords: 1_000_000, partRecords: RecordParquet.defaultPartRecords)

    init(gpuDevice: Int, gpuMinRecords: Int, partRecords: Int) {
        self.gpuDevice = gpuDevice
        self.gpuMinRecords = gpuMinRecords
        self.partRecords = partRecords
    }

    init(environment: [String: String] = ProcessInfo.processInfo.environment) throws {
        let settings = EnvironmentSettings(environment)
        let defaults = Self.defaults
        self.init(
            gpuDevice: try settings.integer("SLUICE_GPU_DEVICE", default: defaults.gpuDevice, in: -1...1023),
            gpuMinRecords: try settings.integer("SLUICE_GPU_MIN_RECORDS", default: defaults.gpuMinRecords, in: 0...Int(Int32.max)),
            partRecords: try settings.integer("SLUICE_NORMALIZE_PART_RECORDS", default: defaults.partRecords, in: 1...(1 << 31))
        )
    }
}
