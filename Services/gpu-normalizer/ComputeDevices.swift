import Foundation
import Logging
import ServiceLifecycle
import SluiceCore
import SluiceNormalize
import SluiceRecords
import SluiceWorker
import Synchronization

/// Chooses where each job's arithmetic runs (``DeviceChoice``) and runs it there: on
/// the GPU through ``GPUWorker``, or on every core through ``CPUNormalizer`` on a
/// thread of the ``BlockingThreadPool``.
///
/// A CUDA error during a job is classified `gpu_error` and logged, and the same attempt
/// runs again on the CPU, so the job does not fail for it; its device then reads
/// `cpu (gpu_error)`. A fatal (sticky) error also retires the GPU for the rest of the
/// process's life.
///
/// A `Service`: on shutdown it closes the device. Why the GPU is unavailable (nil while
/// it is) is guarded by a `Mutex`.
final class ComputeDevices: Service, Sendable {
    /// What a job's normalization produced, and where it ran.
    struct Run: Sendable {
        var normalized: Normalized
        /// For `stage_attempts.device`: `cuda:0 (name)` or `cpu (reason)`.
        var device: String
        /// Why it did not run on the GPU, in full; nil when it did.
        var cpuReason: String?
        /// The arithmetic alone, without reading and writing artifacts.
        var seconds: Double
        /// Whether the GPU failed and the CPU took over.
        var gpuFailed: Bool
    }

    private let cpu = CPUNormalizer()
    private let threads: BlockingThreadPool
    private let minRecords: Int
    private let gpu: (any GPUBackend)?
    /// Why jobs cannot run on the GPU: none was opened, or a fatal error retired it.
    private let gpuUnavailable: Mutex<String?>

    /// - Parameter gpu: the opened device, or why there is none.
    init(threads: BlockingThreadPool, minRecords: Int, gpu: Result<any GPUBackend, CUDAError>) {
        self.threads = threads
        self.minRecords = minRecords
        switch gpu {
        case .success(let worker):
            self.gpu = worker
            gpuUnavailable = Mutex(nil)
        case .failure(let error):
            self.gpu = nil
            gpuUnavailable = Mutex(error.message)
        }
    }

    /// Opens the configured GPU (none for `SLUICE_GPU_DEVICE=-1`) and logs what it found.
    static func start(configuration: NormalizerConfiguration, threads: BlockingThreadPool, logger: Logger) async -> ComputeDevices {
        let gpu: Result<any GPUBackend, CUDAError> =
            configuration.gpuDevice < 0
            ? .failure(CUDAError(kind: .unavailable, message: "disabled: SLUICE_GPU_DEVICE=-1"))
            : await GPUWorker.open(ordinal: configuration.gpuDevice).map { $0 }
        switch gpu {
        case .success(let worker):
            logger.info("normalizing on the GPU from \(configuration.gpuMinRecords) records", metadata: ["normalize.device": "\(worker.label)"])
        case .failure(let error):
            logger.notice("no GPU: every job is normalized on the CPU", metadata: ["normalize.device": "cpu", "normalize.device_reason": "\(error.message)"])
        }
        return ComputeDevices(threads: threads, minRecords: configuration.gpuMinRecords, gpu: gpu)
    }

    func run() async throws {
        try? await gracefulShutdown()
        await gpu?.close()
    }

    /// Normalizes `records` in place where ``DeviceChoice`` says. A GPU that fails may
    /// have written some of the values already: the CPU then starts from a fresh copy of
    /// the submitted values.
    func normalize(_ records: ValidatedRecords, method: Normalization, gpuEnabled: Bool, logger: Logger) async throws -> Run {
        var records = records
        let unavailable = gpuUnavailable.withLock { $0 }
        let choice = DeviceChoice.choose(
            gpuEnabled: gpuEnabled, gpuUnavailable: unavailable, records: records.count, minRecords: minRecords,
            method: method, categories: records.categoryNames.count
        )
        var (reason, detail) = ("", "")
        switch (choice, gpu) {
        case (.gpu, let gpu?):
            let start = ContinuousClock.now
            switch await gpu.normalize(records, method: method) {
            case .success(let normalized):
                return Run(normalized: normalized, device: gpu.label, seconds: (ContinuousClock.now - start).seconds, gpuFailed: false)
            case .failure(let error):
                let classified = StageError(.gpuError, error.message)
                if error.kind == .fatal { gpuUnavailable.withLock { $0 = "lost after a fatal error: \(error.message)" } }
                logger.error("the GPU failed; normalizing this job on the CPU", metadata: [
                    "error.cause": "\(classified.cause.rawValue)", "error.message": "\(classified.message)",
                    "normalize.gpu_retired": "\(error.kind == .fatal)",
                ])
                (reason, detail) = (classified.cause.rawValue, classified.description)
                records = ValidatedRecords(records.columns)
            }
        case (.gpu, nil):
            preconditionFailure("the GPU was chosen, but there is none")
        case (.cpu(let why), _):
            (reason, detail) = (why, why.hasPrefix("no GPU") ? "no GPU: \(unavailable ?? why)" : why)
        }
        let (cpu, cpuRecords) = (cpu, records)
        let start = ContinuousClock.now
        let normalized = try await threads.run {
            cpuRecords.normalizeInPlace { input, output in cpu.normalize(input, method: method, into: output) }
        }
        return Run(
            normalized: normalized, device: DeviceChoice.cpuDevice(reason), cpuReason: detail,
            seconds: (ContinuousClock.now - start).seconds, gpuFailed: choice == .gpu
        )
    }
}
