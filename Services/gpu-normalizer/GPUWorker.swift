import SluiceCore
import SluiceNormalize
import SluiceRecords

/// A CUDA device and the one thread that ever touches it (a context belongs to a
/// thread; jobs take turns on the device).
///
/// `@unchecked Sendable`: `device` is only read or written on `thread`.
final class GPUWorker: @unchecked Sendable {
    private let thread: BlockingThread
    private var device: CUDADevice?
    /// e.g. `cuda:0 (NVIDIA H100 80GB HBM3)`, for `stage_attempts.device`.
    let label: String

    private init(thread: BlockingThread, device: CUDADevice) {
        self.thread = thread
        self.device = device
        label = "\(device.label) (\(device.name))"
    }

    /// Opens CUDA device `ordinal` on a thread of its own; the error says why there is none.
    static func open(ordinal: Int) async -> Result<GPUWorker, CUDAError> {
        let thread = BlockingThread(name: "sluice-gpu")
        let opened: Result<UncheckedDevice, CUDAError>
        do {
            opened = try await thread.run {
                Result { () throws(CUDAError) in UncheckedDevice(try CUDADevice(ordinal: ordinal)) }
            }
        } catch {
            opened = .failure(CUDAError(kind: .unavailable, message: "\(error)"))
        }
        switch opened {
        case .success(let device): return .success(GPUWorker(thread: thread, device: device.device))
        case .failure(let error):
            thread.shutdown()
            return .failure(error)
        }
    }

    /// Normalizes `records` on the device. After a fatal error the device is closed and
    /// every later call fails at once.
    func normalize(_ records: ValidatedRecords, method: Normalization) async -> Result<Normalized, CUDAError> {
        do {
            return try await thread.run { [self] in
                guard let device else {
                    return .failure(CUDAError(kind: .fatal, message: "the device was closed after an earlier fatal error"))
                }
                let result = Result { () throws(CUDAError) in
                    try records.normalizeInPlace { input, output throws(CUDAError) in try device.normalize(input, method: method, into: output) }
                }
                if case .failure(let error) = result, error.kind == .fatal { self.device = nil }
                return result
            }
        } catch {
            return .failure(CUDAError(kind: .fatal, message: "\(error)"))
        }
    }

    /// Closes the device on its thread and stops the thread.
    func close() async {
        _ = try? await thread.run { [self] in device = nil }
        thread.shutdown()
    }
}

/// Carries a just-opened device from its thread to the ``GPUWorker`` that keeps it there.
///
/// `@unchecked Sendable`: the device is handed over once and never used on the way.
private struct UncheckedDevice: @unchecked Sendable {
    let device: CUDADevice
    init(_ device: CUDADevice) { self.device = device }
}
