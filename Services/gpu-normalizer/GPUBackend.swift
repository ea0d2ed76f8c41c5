import SluiceNormalize
import SluiceRecords

/// What ``ComputeDevices`` needs of a GPU: ``GPUWorker`` in the service; the tests put a
/// failing one in its place to exercise the fallback to the CPU.
protocol GPUBackend: Sendable {
    /// For `stage_attempts.device`, e.g. `cuda:0 (NVIDIA H100 80GB HBM3)`.
    var label: String { get }
    /// Normalizes `records` in place; on failure some values may already be rescaled.
    func normalize(_ records: ValidatedRecords, method: Normalization) async -> Result<Normalized, CUDAError>
    /// Releases the device.
    func close() async
}

extension GPUWorker: GPUBackend {}
