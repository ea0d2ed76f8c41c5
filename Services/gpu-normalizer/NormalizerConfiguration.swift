import Foundation
import SluiceJobs

/// The gpu-normalizer's own settings, read from the environment:
///
/// | key | default | meaning |
/// |---|---|---|
/// | `SLUICE_GPU_DEVICE` | `0` | the CUDA device to use; `-1` never uses a GPU |
/// | `SLUICE_GPU_MIN_RECORDS` | `1000000` | jobs with fewer records run on the CPU even with a GPU (the copies would cost more than they save) |
/// | `SLUICE_NORMALIZE_CHUNK_BYTES` | `67108864` | bytes read from `validated.csv` and written to `normalized.csv` at a time |
/// | `SLUICE_NORMALIZE_PART_BYTES` | `134217728` | past this size `normalized.csv` is a directory of parts of about this size each (Spark's default split) |
struct NormalizerConfiguration: Sendable {
    var gpuDevice: Int
    var gpuMinRecords: Int
    var chunkBytes: Int
    var partBytes: Int

    /// Every setting at its default.
    static let defaults = NormalizerConfiguration(gpuDevice: 0, gpuMinRecords: 1_000_000, chunkBytes: 64 << 20, partBytes: 128 << 20)

    init(gpuDevice: Int, gpuMinRecords: Int, chunkBytes: Int, partBytes: Int) {
        self.gpuDevice = gpuDevice
        self.gpuMinRecords = gpuMinRecords
        self.chunkBytes = chunkBytes
        self.partBytes = partBytes
    }

    init(environment: [String: String] = ProcessInfo.processInfo.environment) throws {
        let settings = EnvironmentSettings(environment)
        let defaults = Self.defaults
        self.init(
            gpuDevice: try settings.integer("SLUICE_GPU_DEVICE", default: defaults.gpuDevice, in: -1...1023),
            gpuMinRecords: try settings.integer("SLUICE_GPU_MIN_RECORDS", default: defaults.gpuMinRecords, in: 0...Int(Int32.max)),
            chunkBytes: try settings.integer("SLUICE_NORMALIZE_CHUNK_BYTES", default: defaults.chunkBytes, in: 1...(1 << 40)),
            partBytes: try settings.integer("SLUICE_NORMALIZE_PART_BYTES", default: defaults.partBytes, in: 1...(1 << 40))
        )
    }
}
