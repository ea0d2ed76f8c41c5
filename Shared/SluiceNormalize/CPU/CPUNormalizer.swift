import Foundation
import SluiceRecords

/// The float64 CPU backend: statistics in one pass and the rescaling in a second,
/// each split across every core (`DispatchQueue.concurrentPerform`, so call it from a
/// thread of its own, never from Swift's cooperative pool), eight lanes at a time, with
/// no allocation per record.
///
/// The statistics pass reduces blocks of ``blockSize`` values with ``BlockMoments``
/// and merges them with Chan's formula; per-category statistics use Welford's update
/// per record into one accumulator per category and thread.
public struct CPUNormalizer: Sendable {
    /// Values per block of the statistics pass: 16 KiB, which stays in the L1 cache.
    public static let blockSize = 2048

    /// How many pieces each pass is cut into (more than cores, so that they even out).
    public var pieces: Int

    public init(pieces: Int = 4 * ProcessInfo.processInfo.activeProcessorCount) {
        self.pieces = Swift.max(1, pieces)
    }

    /// Normalizes `input.values` into `output` (the same count; it may be the values'
    /// own memory) as `method` asks.
    public func normalize(_ input: NormalizationInput, method: Normalization, into output: UnsafeMutableBufferPointer<Double>) -> NormalizationSummary {
        precondition(!input.values.isEmpty && output.count == input.values.count)
        let whole = moments(input.values)
        switch method {
        case .zScore:
            apply(.zScores([whole], scale: whole.scale), to: input.values, into: output)
            return NormalizationSummary(statistics: Statistics(whole))
        case .minMax:
            apply(.minMax(whole), to: input.values, into: output)
            return NormalizationSummary(statistics: Statistics(whole))
        case .zScorePerCategory:
            let groups = categoryMoments(input, scale: whole.scale)
            apply(.zScores(groups, scale: whole.scale), to: input.values, categories: input.categories, into: output)
            return NormalizationSummary(statistics: Statistics(whole), categories: groups)
        }
    }

    /// The moments of all `values` (not empty).
    public func moments(_ values: UnsafeBufferPointer<Double>) -> Moments {
        forEachPiece(of: values.count, alignedTo: Self.blockSize) { range in
            var moments = Moments()
            var scale = Moments.scale(forMagnitude: values[range.lowerBound].magnitude)
            var start = range.lowerBound
            while start < range.upperBound {
                let end = Swift.min(start + Self.blockSize, range.upperBound)
                let block = BlockMoments.of(UnsafeBufferPointer(rebasing: values[start..<end]), guessing: scale)
                moments.merge(block)
                scale = block.scale
                start = end
            }
            return moments
        }.reduce(into: Moments()) { $0.merge($1) }
    }

    /// The moments of each category's values, all in units of `scale` (the whole job's).
    public func categoryMoments(_ input: NormalizationInput, scale: Double) -> [Moments] {
        let (values, categories, count) = (input.values, input.categories, input.categoryCount)
        let pieces = forEachPiece(of: values.count, alignedTo: 1) { range in
            var moments = [Moments](repeating: Moments(scale: scale), count: count)
            moments.withUnsafeMutableBufferPointer { moments in
                for index in range { moments[Int(categories[index])].add(values[index]) }
            }
            return moments
        }
        return (0..<count).map { category in
            pieces.reduce(into: Moments(scale: scale)) { $0.merge($1[category]) }
        }
    }

    /// Applies `rescaling` (parameter set 0 for every value, or each value's category's).
    public func apply(
        _ rescaling: Rescaling, to values: UnsafeBufferPointer<Double>, categories: UnsafeBufferPointer<UInt32>? = nil,
        into output: UnsafeMutableBufferPointer<Double>
    ) {
        _ = forEachPiece(of: values.count, alignedTo: 8) { range in
            if let categories {
                Transform.perCategory(rescaling, values, categories, output, range)
            } else {
                Transform.uniform(rescaling, values, output, range)
            }
        }
    }

    /// Runs `body` on contiguous pieces of 0..<count (piece boundaries multiples of
    /// `alignment`) across the cores and returns the results in order. Blocks the
    /// calling thread until every piece is done.
    public func forEachPiece<T>(of count: Int, alignedTo alignment: Int, _ body: (Range<Int>) -> T) -> [T] {
        let units = (count + alignment - 1) / alignment
        let pieceCount = Swift.max(1, Swift.min(pieces, units))
        let results = UnsafeMutableBufferPointer<T>.allocate(capacity: pieceCount)
        defer { results.deallocate() }
        withoutActuallyEscaping(body) { body in
            let shared = Pieces(results: results, body: body)
            DispatchQueue.concurrentPerform(iterations: pieceCount) { piece in
                let start = Swift.min(count, units * piece / pieceCount * alignment)
                let end = Swift.min(count, units * (piece + 1) / pieceCount * alignment)
                (shared.results.baseAddress! + piece).initialize(to: shared.body(start..<end))
            }
        }
        defer { _ = results.deinitialize() }
        return Array(results)
    }
}

/// What the iterations of `concurrentPerform` share.
///
/// `@unchecked Sendable`: `concurrentPerform` returns only once every iteration is done,
/// each iteration initializes only its own slot of `results`, and `body` is only called
/// (it reads shared input and returns its piece's result).
private struct Pieces<T>: @unchecked Sendable {
    let results: UnsafeMutableBufferPointer<T>
    let body: (Range<Int>) -> T
}
