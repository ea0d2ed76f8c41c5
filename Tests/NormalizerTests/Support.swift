import Foundation
import Logging
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
    let chunkBytes: Int
    let partBytes: Int

    init(chunkBytes: Int = NormalizerConfiguration.defaults.chunkBytes, partBytes: Int = NormalizerConfiguration.defaults.partBytes, gpu: Result<any GPUBackend, CUDAError> = .failure(noGPU), gpuMinRecords: Int = 0) throws {
        artifacts = try ArtifactStore(root: FileManager.default.temporaryDirectory.appendingPathComponent("sluice-norm-\(UUID().uuidString)"))
        devices = ComputeDevices(threads: threads, minRecords: gpuMinRecords, gpu: gpu)
        self.chunkBytes = chunkBytes
        self.partBytes = partBytes
    }

    deinit {
        threads.shutdown()
        try? FileManager.default.removeItem(at: artifacts.root)
    }

    /// Writes `validated` (unless nil) as the job's validated.csv and runs the stage with
    /// `config` (and, if given, another part size than the harness's).
    func run(validated: String?, config: String = "{}", partBytes: Int? = nil) async throws -> StageResult {
        if let validated { try artifacts.write(Data(validated.utf8), jobID, "validated.csv") }
        let message = StageMessage(jobID: jobID, stage: .normalize, traceID: "t", submittedAt: Date())
        return try await NormalizerStage(threads: threads, devices: devices, chunkBytes: chunkBytes, partBytes: partBytes ?? self.partBytes).run(StageJob(
            message: message, config: .init(rawJSON: config), artifacts: artifacts, logger: Logger(label: "test") { _ in SwiftLogNoOpLogHandler() }
        ))
    }

    /// The stage's normalized.csv as text.
    func normalizedText() throws -> String {
        String(decoding: try artifacts.read(jobID, "normalized.csv"), as: UTF8.self)
    }

    /// The stage's normalized.csv, parsed: the header, then id, value, category and z of each record.
    func normalized() throws -> (header: [String], rows: [(id: Int64, value: Double, category: String, z: Double)]) {
        var reader = CSVRows(bytes: Array(try artifacts.read(jobID, "normalized.csv")))
        var fields: [String] = []
        _ = try #require(try reader.next(into: &fields))
        let header = fields
        var rows: [(Int64, Double, String, Double)] = []
        while try reader.next(into: &fields) != nil {
            #expect(fields.count == 4)
            rows.append((try #require(Int64(fields[0])), try #require(Double(fields[1])), fields[2], try #require(Double(fields[3]))))
        }
        return (header, rows)
    }
}

/// The CSV text of records as the validator writes it.
func validatedCSV(_ values: [Double], categories: [String]? = nil) -> String {
    var text = "id,value,category\n"
    for (index, value) in values.enumerated() {
        text += "\(index + 1),\(value),\(categories?[index] ?? "A")\n"
    }
    return text
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
