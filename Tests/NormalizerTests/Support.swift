import Foundation
import Logging
import SluiceColumns
import SluiceContracts
import SluiceCore
import SluiceJobs
import SluiceWorker
import Testing

@testable import SluiceNormalize
@testable import gpu_normalizer

/// The normalize stage alone, on an artifact store in a temporary folder of its own,
/// without a GPU unless one is given.
final class Harness {
    static let noGPU = CUDAError(kind: .unavailable, message: "not opened: a test without a GPU")

    let artifacts: ArtifactStore
    let threads = BlockingThreadPool(count: 2, name: "norm-test")
    let jobID = UUID()
    let devices: ComputeDevices
    let partRecords: Int

    init(partRecords: Int = NormalizerConfiguration.defaults.partRecords, gpu: Result<any GPUBackend, CUDAError> = .failure(noGPU), gpuMinRecords: Int = 0) throws {
        artifacts = try ArtifactStore(root: FileManager.default.temporaryDirectory.appendingPathComponent("sluice-norm-\(UUID().uuidString)"))
        devices = ComputeDevices(threads: threads, minRecords: gpuMinRecords, gpu: gpu)
        self.partRecords = partRecords
    }

    deinit {
        threads.shutdown()
        try? FileManager.default.removeItem(at: artifacts.root)
    }

    /// Writes `validated` (unless nil) as the job's validated.parquet and runs the stage
    /// with `config` (and, if given, another part size than the harness's).
    func run(validated: RecordColumns?, config: String = "{}", partRecords: Int? = nil) async throws -> StageResult {
        if let validated { try RecordParquet.write(validated, to: validatedURL) }
        let message = StageMessage(jobID: jobID, stage: .normalize, traceID: "t", submittedAt: Date())
        return try await NormalizerStage(threads: threads, devices: devices, partRecords: partRecords ?? self.partRecords).run(StageJob(
            message: message, config: .init(rawJSON: config), artifacts: artifacts, logger: Logger(label: "test") { _ in SwiftLogNoOpLogHandler() }
        ))
    }

    var validatedURL: URL { artifacts.url(jobID, ArtifactName.validated) }
    var normalizedURL: URL { artifacts.url(jobID, ArtifactName.normalized) }

    /// The stage's normalized.parquet, read back: id, value, category and z of each record.
    func normalized() throws -> (columns: RecordColumns, rows: [(id: Int64, value: Double, category: String, z: Double)]) {
        let columns = try RecordParquet.read(normalizedURL, withZ: true)
        let z = try #require(columns.z)
        let rows = columns.ids.indices.map { index in
            (columns.ids[index], columns.values[index], columns.categoryNames[Int(columns.categoryCodes[index])], z[index])
        }
        return (columns, rows)
    }
}

/// Records as the validator writes them: ids from 1, category "A" unless given.
func validatedColumns(_ values: [Double], categories: [String]? = nil) -> RecordColumns {
    let records = values.indices.map { (Int64($0 + 1), values[$0], categories?[$0] ?? "A") }
    return RecordColumns(records, id: \.0, value: \.1, category: \.2)
}

extension StageResult {
    func metric(_ name: String) -> Double? {
        outcome.metrics.first { $0.name == name }?.value
    }
}

/// The reference the tests hold the normalizer to: a plain two-pass population mean and
/// standard deviation in Float80 (64-bit significand, 15-bit exponent: neither 1e308
/// nor 1e-300 squared leaves its range), written independently of the service's code.
/// For values with a large common offset, subtract it first (exactly) and pass the offsets.
enum Reference {
    static func meanAndStd(_ values: [Double]) -> (mean: Double, std: Double) {
        let (mean, std) = wide(values)
        return (Double(mean), Double(std))
    }

    static func zScores(_ values: [Double]) -> [Double] {
        let (mean, std) = wide(values)
        return values.map { std == 0 ? 0 : Double((Float80($0) - mean) / std) }
    }

    static func minMax(_ values: [Double]) -> [Double] {
        let (low, high) = (Float80(values.min()!), Float80(values.max()!))
        return values.map { high == low ? 0 : Double((Float80($0) - low) / (high - low)) }
    }

    static func zScoresPerCategory(_ values: [Double], _ categories: [String]) -> [Double] {
        var z = [Double](repeating: .nan, count: values.count)
        for category in Set(categories) {
            let indices = categories.indices.filter { categories[$0] == category }
            for (index, score) in zip(indices, zScores(indices.map { values[$0] })) { z[index] = score }
        }
        return z
    }

    private static func wide(_ values: [Double]) -> (mean: Float80, std: Float80) {
        let count = Float80(values.count)
        let mean = values.reduce(Float80(0)) { $0 + Float80($1) } / count
        let variance = values.reduce(Float80(0)) { $0 + (Float80($1) - mean) * (Float80($1) - mean) } / count
        return (mean, variance.squareRoot())
    }
}

/// Whether `actual` is within `tolerance` of `expected`, relative to the larger of 1 and |expected|.
func close(_ actual: Double, _ expected: Double, _ tolerance: Double) -> Bool {
    abs(actual - expected) <= tolerance * max(1, abs(expected))
}

/// SplitMix64: reproducible pseudo-random doubles in [0, 1) for the tests.
struct SeededRandom {
    var state: UInt64

    mutating func next() -> Double {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        z ^= z >> 31
        return Double(z >> 11) * 0x1p-53
    }
}
