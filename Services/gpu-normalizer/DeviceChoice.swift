import SluiceNormalize
import SluiceRecords

/// Where a job's arithmetic runs: the GPU, or the CPU with the reason, short and
/// without numbers so that `stage_attempts.device` groups well (the log has the detail).
enum DeviceChoice: Equatable {
    case gpu
    case cpu(reason: String)

    /// The first reason that rules the GPU out, in this order: the job's
    /// `gpu_enabled: false`, no usable GPU (`gpuUnavailable` says why), fewer records
    /// than `SLUICE_GPU_MIN_RECORDS`, more categories than the per-category kernel takes.
    static func choose(gpuEnabled: Bool, gpuUnavailable: String?, records: Int, minRecords: Int, method: Normalization, categories: Int) -> DeviceChoice {
        if !gpuEnabled { return .cpu(reason: "gpu_enabled=false") }
        if let gpuUnavailable { return .cpu(reason: "no GPU: \(gpuUnavailable.prefix { $0 != ":" })") }
        if records < minRecords { return .cpu(reason: "below SLUICE_GPU_MIN_RECORDS") }
        if method == .zScorePerCategory, categories > CUDADevice.maxCategories { return .cpu(reason: "too many categories for the GPU") }
        return .gpu
    }

    /// What `stage_attempts.device` records when the job runs on the CPU for `reason`.
    static func cpuDevice(_ reason: String) -> String { "cpu (\(reason))" }
}
