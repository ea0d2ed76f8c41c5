import CCUDA

/// One CUDA device's context, streams, buffers and kernels (``CCUDA``'s `sluice_cuda`),
/// opened through libcuda and NVRTC loaded at run time.
///
/// Not Sendable: a context belongs to the thread that uses it. Own it from one thread
/// (``GPUNormalizer`` keeps it on a thread of its own).
public final class CUDADevice {
    private let handle: OpaquePointer
    /// e.g. `cuda:0`, as `stage_attempts.device` records it.
    public let label: String
    /// The device's name, e.g. `NVIDIA H100 80GB HBM3`.
    public let name: String

    /// Opens device `ordinal`; throws ``CUDAError`` with the reason when there is none
    /// (e.g. `libcuda.so.1 not found: …`).
    public init(ordinal: Int = 0) throws(CUDAError) {
        var message = [CChar](repeating: 0, count: 1024)
        var handle: OpaquePointer?
        let code = sluice_cuda_open(Int32(ordinal), &handle, &message, message.count)
        guard code == Int32(SLUICE_CUDA_OK), let handle else {
            throw CUDAError(kind: Self.kind(code), message: String(decoding: message.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
        }
        self.handle = handle
        label = "cuda:\(ordinal)"
        name = String(cString: sluice_cuda_name(handle))
    }

    deinit {
        sluice_cuda_close(handle)
    }

    /// The kernel source compiled at run time (`Shared/CCUDA/kernels/normalize.cu`).
    public static var kernelSource: String { String(cString: sluice_cuda_kernel_source()) }

    /// Values per tile of ``moments(_:count:pivot:)``.
    public static let tileSize = Int(SLUICE_CUDA_TILE)
    /// The most categories ``categorySums(count:categories:scale:shift:mean:)`` takes.
    public static let maxCategories = Int(SLUICE_CUDA_MAX_CATEGORIES)

    /// Copies `values` to the device (nil: uses those already there) and returns the
    /// moments of each tile of ``tileSize`` values, relative to `pivot`.
    public func moments(_ values: UnsafeBufferPointer<Double>?, count: Int, pivot: Double) throws(CUDAError) -> [Moments] {
        var tiles = [sluice_moments](repeating: sluice_moments(), count: (count + Self.tileSize - 1) / Self.tileSize)
        try check(sluice_cuda_moments(handle, values?.baseAddress, count, pivot, &tiles))
        return tiles.map { Moments(count: $0.count, scale: $0.scale, shift: $0.shift, mean: $0.mean, m2: $0.m2, min: $0.min, max: $0.max) }
    }

    /// Copies each value's category index to the device.
    public func loadCategories(_ categories: UnsafeBufferPointer<UInt32>) throws(CUDAError) {
        try check(sluice_cuda_load_categories(handle, categories.baseAddress, categories.count))
    }

    /// Per category: count, Σd, Σd² of d = value × scale − shift[c] − (mean?[c] ?? 0).
    public func categorySums(count: Int, categories: Int, scale: Double, shift: [Double], mean: [Double]?) throws(CUDAError) -> (counts: [Double], sums: [Double], squares: [Double]) {
        var sums = [Double](repeating: 0, count: 3 * categories)
        try check(sluice_cuda_category_sums(handle, count, UInt32(categories), scale, shift, mean, &sums))
        return (Array(sums[0..<categories]), Array(sums[categories..<2 * categories]), Array(sums[(2 * categories)...]))
    }

    /// Applies `rescaling` to the values on the device and copies the result into
    /// `output` (nil: leaves it on the device).
    public func transform(_ rescaling: Rescaling, count: Int, perCategory: Bool, into output: UnsafeMutableBufferPointer<Double>?) throws(CUDAError) {
        try check(sluice_cuda_transform(
            handle, count, rescaling.scale, UInt32(rescaling.shift.count), rescaling.shift, rescaling.offset, rescaling.divisor,
            perCategory ? 1 : 0, output?.baseAddress
        ))
    }

    private func check(_ code: Int32) throws(CUDAError) {
        guard code != Int32(SLUICE_CUDA_OK) else { return }
        throw CUDAError(kind: Self.kind(code), message: String(cString: sluice_cuda_error(handle)))
    }

    private static func kind(_ code: Int32) -> CUDAError.Kind {
        switch code {
        case Int32(SLUICE_CUDA_UNAVAILABLE): .unavailable
        case Int32(SLUICE_CUDA_FATAL): .fatal
        default: .failed
        }
    }
}
