import ArgumentParser
import Foundation
import SluiceColumns
import SluiceContracts
import SluiceNormalize

/// Times the normalizer's z-score on 10^6…10^8 values around 1e9 (the CPU path, the GPU
/// path with and without copies when there is a GPU) and a STREAM-like triad on the
/// same machine; writes each set of values to `--data` for numpy to time too (see
/// infra/bench-normalize.sh, which prints the table). One JSON object per line.
@main
struct NormalizeBenchmark: ParsableCommand {
    @Option(help: "Value counts, comma-separated.")
    var sizes = "1000000,10000000,100000000"
    @Option(help: "Timed runs per measurement (the median is reported).")
    var runs = 5
    @Option(help: "A folder to write each size's values to (values-N.f64, raw float64); none when empty.")
    var data = ""
    @Flag(inversion: .prefixedNo, help: "Whether to time the STREAM-like triad (it allocates three more arrays).")
    var triad = true
    @Option(help: "Records of a validated artifact to read and of a normalized one to write, as the normalize stage does (0: none).")
    var artifactRecords = 0

    func run() throws {
        let gpu = Result { try CUDADevice() }
        if case .failure(let error) = gpu { emit(["measure": "gpu", "available": false, "reason": "\(error)"]) }
        for size in sizes.split(separator: ",").compactMap({ Int($0) }) {
            try measure(size: size, gpu: try? gpu.get())
        }
        if artifactRecords > 0 { try measureArtifacts(records: artifactRecords) }
        emit(["measure": "peak_rss", "bytes": peakResidentBytes()])
    }

    private func measure(size: Int, gpu: CUDADevice?) throws {
        var random = SplitMix64(state: UInt64(size))
        let values = (0..<size).map { _ in 1e9 + random.nextUnit() }
        if !data.isEmpty {
            try values.withUnsafeBytes { try Data($0).write(to: URL(fileURLWithPath: data).appendingPathComponent("values-\(size).f64")) }
        }
        var output = [Double](repeating: 0, count: size)
        let cpu = CPUNormalizer()
        values.withUnsafeBufferPointer { values in
            [UInt32]().withUnsafeBufferPointer { categories in  // z-score reads none
                output.withUnsafeMutableBufferPointer { output in
                    let input = NormalizationInput(values: values, categories: categories, categoryCount: 1)
                    let seconds = median { _ = cpu.normalize(input, method: .zScore, into: output) }
                    emit(["measure": "cpu", "values": size, "seconds": seconds, "bytes": 16 * size])
                    // The statistics pass alone (it reads each value once).
                    emit(["measure": "cpu_statistics", "values": size, "seconds": median { _ = cpu.moments(values) }, "bytes": 8 * size])
                    if let gpu { measureGPU(gpu, input, output) }
                }
            }
        }
        if triad {
            let triad = Triad(count: size)
            emit(["measure": "triad", "values": size, "seconds": median { triad.run(cpu) }, "bytes": 24 * size])
        }
    }

    private func measureGPU(_ gpu: CUDADevice, _ input: NormalizationInput, _ output: UnsafeMutableBufferPointer<Double>) {
        let size = input.values.count
        do {
            var failure: (any Error)?
            let copies = median {
                do { _ = try gpu.normalize(input, method: .zScore, into: output) } catch { failure = error }
            }
            let resident = median {
                do {
                    let whole = try gpu.moments(nil, count: size, pivot: input.values[0]).reduce(into: Moments()) { $0.merge($1) }
                    try gpu.transform(.zScores([whole], scale: whole.scale), count: size, perCategory: false, into: nil)
                } catch { failure = error }
            }
            if let failure { throw failure }
            emit(["measure": "gpu_copies", "values": size, "seconds": copies, "bytes": 16 * size, "device": gpu.name])
            emit(["measure": "gpu_resident", "values": size, "seconds": resident, "bytes": 16 * size, "device": gpu.name])
        } catch {
            emit(["measure": "gpu", "values": size, "error": "\(error)"])
        }
    }

    /// The normalize stage's reading of `validated.parquet` (ids, values, category codes:
    /// 20 bytes a record) and writing of `normalized.parquet` (28 bytes a record, with z),
    /// in a temporary folder (the page cache, as on a machine with memory to spare).
    private func measureArtifacts(records: Int) throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("sluice-artifact-bench-\(UUID())")
        defer { try? FileManager.default.removeItem(at: folder) }
        var random = SplitMix64(state: 7)
        let names = (0..<8).map { "category-\($0)" }
        let columns = RecordColumns(
            ids: (0..<Int64(records)).map { $0 }, values: (0..<records).map { _ in 1e3 * random.nextUnit() },
            categoryCodes: (0..<records).map { UInt32($0 % names.count) }, categoryNames: names, z: nil
        )
        let validated = folder.appendingPathComponent(ArtifactName.validated)
        try RecordParquet.write(columns, to: validated)
        var failure: (any Error)?
        let read = median {
            do { _ = try RecordParquet.read(validated) } catch { failure = error }
        }
        let normalized = RecordColumns(ids: columns.ids, values: columns.values, categoryCodes: columns.categoryCodes, categoryNames: names, z: columns.values)
        let write = median {
            do { try RecordParquet.write(normalized, to: folder.appendingPathComponent(ArtifactName.normalized)) } catch { failure = error }
        }
        if let failure { throw failure }
        emit(["measure": "artifact_read", "values": records, "seconds": read, "bytes": 20 * records])
        emit(["measure": "artifact_write", "values": records, "seconds": write, "bytes": 28 * records])
    }

    /// The median wall time of `runs` runs of `body`, after one untimed warm-up run.
    private func median(_ body: () -> Void) -> Double {
        body()
        let times = (0..<Swift.max(1, runs)).map { _ in
            let start = ContinuousClock.now
            body()
            let (seconds, attoseconds) = (ContinuousClock.now - start).components
            return Double(seconds) + Double(attoseconds) * 1e-18
        }.sorted()
        return times[times.count / 2]
    }

    private func emit(_ fields: [String: Any]) {
        let data = try! JSONSerialization.data(withJSONObject: fields, options: [.sortedKeys])
        print(String(decoding: data, as: UTF8.self))
    }

    /// The process's peak resident set (VmHWM in /proc/self/status), bytes.
    private func peakResidentBytes() -> Int {
        let status = (try? String(contentsOfFile: "/proc/self/status", encoding: .utf8)) ?? ""
        let line = status.split(separator: "\n").first { $0.hasPrefix("VmHWM:") } ?? ""
        return (Int(line.split(separator: " ").dropFirst().first ?? "") ?? 0) * 1024
    }
}

/// SplitMix64: reproducible pseudo-random doubles in [0, 1).
struct SplitMix64 {
    var state: UInt64

    mutating func nextUnit() -> Double {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return Double((z ^ (z >> 31)) >> 11) * 0x1p-53
    }
}
