import Foundation
import SluiceColumns
import Synchronization
import SluiceRecords
import SluiceWorker
import Testing

@testable import SluiceNormalize
@testable import gpu_normalizer

/// Why this machine has no usable CUDA GPU; nil when it has one.
let gpuUnavailable: String? = {
    do {
        _ = try CUDADevice()
        return nil
    } catch {
        return "\(error)"
    }
}()
let hasGPU = gpuUnavailable == nil

/// How the normalizer chooses its device, and the GPU path where there is a GPU.
@Suite struct DeviceTests {
    @Test func theReasonsComeInOrder() {
        func choose(_ enabled: Bool, _ unavailable: String?, _ records: Int, _ method: Normalization = .zScore, _ categories: Int = 1) -> DeviceChoice {
            DeviceChoice.choose(gpuEnabled: enabled, gpuUnavailable: unavailable, records: records, minRecords: 100, method: method, categories: categories)
        }
        #expect(choose(false, "libcuda.so.1 not found: x", 10) == .cpu(reason: "gpu_enabled=false"))
        #expect(choose(true, "libcuda.so.1 not found: dlopen said no", 10) == .cpu(reason: "no GPU: libcuda.so.1 not found"))
        #expect(choose(true, nil, 99) == .cpu(reason: "below SLUICE_GPU_MIN_RECORDS"))
        #expect(choose(true, nil, 100, .zScorePerCategory, 5000) == .cpu(reason: "too many categories for the GPU"))
        #expect(choose(true, nil, 100, .zScore, 5000) == .gpu)
        #expect(choose(true, nil, 100) == .gpu)
    }

    @Test func theSettingsHaveDefaultsAndLimits() throws {
        let defaults = try NormalizerConfiguration(environment: [:])
        #expect(defaults.gpuDevice == 0 && defaults.gpuMinRecords == 1_000_000 && defaults.partRecords == 1 << 21)
        let set = try NormalizerConfiguration(environment: [
            "SLUICE_GPU_MIN_RECORDS": "5", "SLUICE_GPU_DEVICE": "-1", "SLUICE_NORMALIZE_PART_RECORDS": "100",
        ])
        #expect(set.gpuMinRecords == 5 && set.gpuDevice == -1 && set.partRecords == 100)
        #expect(throws: (any Error).self) { try NormalizerConfiguration(environment: ["SLUICE_NORMALIZE_PART_RECORDS": "0"]) }
        #expect(throws: (any Error).self) { try NormalizerConfiguration(environment: ["SLUICE_GPU_MIN_RECORDS": "-1"]) }
    }

    /// The kernel the library compiles is the repository's `.cu` file.
    @Test func theEmbeddedKernelIsTheRepositorysFile() throws {
        let file = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../Shared/CCUDA/kernels/normalize.cu")
        #expect(CUDADevice.kernelSource == (try String(contentsOf: file, encoding: .utf8)))
    }

    /// Without a GPU the stage runs on the CPU and says why, in the device it records.
    @Test(.enabled(if: !hasGPU, "this machine has a GPU"))
    func withoutAGPUTheDeviceSaysWhy() async throws {
        let opened = await GPUWorker.open(ordinal: 0)
        guard case .failure(let error) = opened else { Issue.record("a GPU opened"); return }
        #expect(error.kind == .unavailable && !error.message.isEmpty)
        let harness = try Harness(gpu: .failure(error))
        let result = try await harness.run(validated: NormalizerStageTests.seed)
        let device = try #require(result.outcome.device)
        #expect(device.hasPrefix("cpu (no GPU: "))
        if !FileManager.default.fileExists(atPath: "/dev/nvidiactl") {
            #expect(device == "cpu (no GPU: libcuda.so.1 not found)" || device.hasPrefix("cpu (no GPU: cuInit"))
        }
        #expect(result.metric("gpu_fallback") == 0)
    }

    /// A GPU that fails mid-job (after rescaling some values in place): the same attempt
    /// finishes on the CPU from a fresh read, and a fatal error retires the GPU.
    @Test(arguments: [CUDAError.Kind.failed, .fatal])
    func aFailingGPUFallsBackToTheCPU(kind: CUDAError.Kind) async throws {
        let gpu = FailingGPU(kind: kind)
        let harness = try Harness(gpu: .success(gpu))
        let result = try await harness.run(validated: NormalizerStageTests.seed)
        #expect(gpu.calls.withLock { $0 } == 1)
        #expect(result.outcome.device == "cpu (gpu_error)")
        #expect(result.metric("gpu_fallback") == 1)
        for (z, expected) in zip(try harness.normalized().rows.map(\.z), Reference.zScores(NormalizerStageTests.seedValues)) {
            #expect(close(z, expected, 1e-14))
        }
        let next = try await harness.run(validated: nil)
        #expect(gpu.calls.withLock { $0 } == (kind == .fatal ? 1 : 2))
        #expect(next.outcome.device == (kind == .fatal ? "cpu (no GPU: lost after a fatal error)" : "cpu (gpu_error)"))
    }

    @Test func gpuEnabledFalseRunsOnTheCPU() async throws {
        let harness = try Harness()
        let result = try await harness.run(validated: NormalizerStageTests.seed, config: #"{"gpu_enabled": false}"#)
        #expect(result.outcome.device == "cpu (gpu_enabled=false)")
    }

    /// The GPU path against the CPU path and the reference, all three options.
    @Test(.enabled(if: hasGPU, "no GPU: \(gpuUnavailable ?? "")"), arguments: Normalization.allCases)
    func theGPUMatchesTheReference(method: Normalization) async throws {
        var random = SeededRandom(state: 19)
        let values = (0..<3_000_001).map { _ in 1e9 + random.next() }
        let labels = values.indices.map { UInt32($0 % 7) }
        let opened = await GPUWorker.open(ordinal: 0)
        let harness = try Harness(gpu: opened.map { $0 })
        let records = ValidatedRecords(RecordColumns(
            ids: values.indices.map(Int64.init), values: values, categoryCodes: labels, categoryNames: (0..<7).map { "\($0)" }
        ))
        let run = try await harness.devices.normalize(records, method: method, gpuEnabled: true, logger: .init(label: "test"))
        #expect(run.device.hasPrefix("cuda:0 (") && !run.gpuFailed)
        let offsets = values.map { $0 - 1e9 }
        let expected: [Double] = switch method {
        case .zScore: Reference.zScores(offsets)
        case .minMax: Reference.minMax(offsets)
        case .zScorePerCategory: Reference.zScoresPerCategory(offsets, labels.map { "\($0)" })
        }
        #expect(CPUNormalizerTests.maxError(run.normalized.scaled, expected) <= 1e-12)
        if case .success(let worker) = opened { await worker.close() }
    }
}

/// A GPU whose every run scribbles over the values and then fails with `kind`.
final class FailingGPU: GPUBackend {
    let kind: CUDAError.Kind
    let calls = Mutex(0)
    let label = "cuda:9 (failing)"

    init(kind: CUDAError.Kind) {
        self.kind = kind
    }

    func normalize(_ records: ValidatedRecords, method: Normalization) async -> Result<Normalized, CUDAError> {
        calls.withLock { $0 += 1 }
        _ = records.normalizeInPlace { _, output in
            output.update(repeating: .nan)
            return NormalizationSummary(statistics: Statistics(Moments()))
        }
        return .failure(CUDAError(kind: kind, message: "cuLaunchKernel: CUDA_ERROR_LAUNCH_FAILED (719): unspecified launch failure"))
    }

    func close() async {}
}
