import Foundation
import SluiceNormalize

/// STREAM's triad, a = b + s·c, on every core: the memory bandwidth the normalizer is
/// held to (24 bytes an element: two reads and a write, as STREAM counts it).
final class Triad {
    private let a: UnsafeMutableBufferPointer<Double>
    private let b: UnsafeMutableBufferPointer<Double>
    private let c: UnsafeMutableBufferPointer<Double>

    init(count: Int) {
        (a, b, c) = (.allocate(capacity: count), .allocate(capacity: count), .allocate(capacity: count))
        a.initialize(repeating: 0)
        b.initialize(repeating: 1)
        c.initialize(repeating: 2)
    }

    deinit {
        a.deallocate()
        b.deallocate()
        c.deallocate()
    }

    /// One triad over the arrays, cut into pieces across the cores as `cpu` cuts its passes.
    func run(_ cpu: CPUNormalizer) {
        let (a, b, c) = (a, b, c)
        _ = cpu.forEachPiece(of: a.count, alignedTo: 8) { range in
            for index in range { a[index] = b[index] + 3 * c[index] }
        }
    }
}
