import SluiceRecords
import Testing

@testable import SluiceNormalize

/// The CPU path alone, against the Float80 ``Reference``.
@Suite struct CPUNormalizerTests {
    /// 10^7 values in a release build; 10^6 in a debug build, where the SIMD code is not
    /// inlined and would take minutes (`swift test -c release --filter NormalizerTests` runs 10^7).
    static let largeCount = _isDebugAssertConfiguration() ? 1_000_000 : 10_000_000

    /// Normalizes `values` with `method` on a CPU normalizer cut into `pieces`.
    static func normalize(_ values: [Double], categories: [UInt32]? = nil, method: Normalization, pieces: Int = 8) -> ([Double], NormalizationSummary) {
        let categories = categories ?? [UInt32](repeating: 0, count: values.count)
        var output = [Double](repeating: .nan, count: values.count)
        let summary = values.withUnsafeBufferPointer { values in
            categories.withUnsafeBufferPointer { categoryIndices in
                output.withUnsafeMutableBufferPointer { output in
                    CPUNormalizer(pieces: pieces).normalize(
                        NormalizationInput(values: values, categories: categoryIndices, categoryCount: Int(categories.max()!) + 1),
                        method: method, into: output
                    )
                }
            }
        }
        return (output, summary)
    }

    static func maxError(_ actual: [Double], _ expected: [Double]) -> Double {
        zip(actual, expected).map { abs($0 - $1) / max(1, abs($1)) }.max()!
    }

    /// Values near 1e9 with a spread of 1, all three options within 1e-12. The reference
    /// works on the offsets from 1e9, which are exact, so the offset cannot hurt it.
    @Test func largeOffsetsKeepTwelveDigits() {
        var random = SeededRandom(state: 3)
        let values = (0..<Self.largeCount).map { _ in 1e9 + random.next() }
        let offsets = values.map { $0 - 1e9 }
        let labels = values.indices.map { UInt32($0 % 5 == 0 ? 0 : $0 % 5 == 1 ? 1 : 2) }

        let (z, summary) = Self.normalize(values, method: .zScore)
        #expect(Self.maxError(z, Reference.zScores(offsets)) <= 1e-12)
        let (mean, std) = Reference.meanAndStd(offsets)
        #expect(abs(summary.statistics.mean - (1e9 + mean)) <= 1e-12 * 1e9)
        #expect(abs(summary.statistics.std - std) <= 1e-12 * std)

        #expect(Self.maxError(Self.normalize(values, method: .minMax).0, Reference.minMax(offsets)) <= 1e-12)

        let (perCategory, categorySummary) = Self.normalize(values, categories: labels, method: .zScorePerCategory)
        #expect(Self.maxError(perCategory, Reference.zScoresPerCategory(offsets, labels.map { "\($0)" })) <= 1e-12)
        #expect(categorySummary.categories == 3 && categorySummary.constantCategories == 0)
    }

    /// A block whose first value (its shift) is far from the others: the shifted sums
    /// cancel most, and the block takes the two-pass.
    @Test func anOutlyingFirstValueLosesNothing() {
        var random = SeededRandom(state: 23)
        let values = [1e9 + 1e4] + (0..<100_000).map { _ in 1e9 + random.next() }
        let offsets = values.map { $0 - 1e9 }
        let (z, summary) = Self.normalize(values, method: .zScore)
        #expect(Self.maxError(z, Reference.zScores(offsets)) <= 1e-12)
        #expect(abs(summary.statistics.std - Reference.meanAndStd(offsets).std) <= 1e-12 * summary.statistics.std)
    }

    /// How the values are cut across threads changes nothing beyond rounding.
    @Test(arguments: [1, 3, 64])
    func piecesAgree(pieces: Int) {
        var random = SeededRandom(state: 5)
        let values = (0..<100_003).map { _ in random.next() * 1e3 - 250 }
        let (one, oneSummary) = Self.normalize(values, method: .zScore, pieces: 1)
        let (many, manySummary) = Self.normalize(values, method: .zScore, pieces: pieces)
        #expect(Self.maxError(many, one) <= 1e-14)
        #expect(abs(manySummary.statistics.std - oneSummary.statistics.std) <= 1e-14 * oneSummary.statistics.std)
        #expect(Self.maxError(many, Reference.zScores(values)) <= 1e-13)
    }

    @Test(arguments: Normalization.allCases)
    func oneRecordIsConstant(method: Normalization) {
        let (z, summary) = Self.normalize([-3.25], method: method)
        #expect(z == [0] && summary.statistics.isConstant && summary.statistics.mean == -3.25 && summary.statistics.std == 0)
    }

    @Test(arguments: Normalization.allCases)
    func constantValuesGiveZeroes(method: Normalization) {
        let (z, summary) = Self.normalize([Double](repeating: 1e9 + 0.1, count: 5000), method: method)
        #expect(z.allSatisfy { $0 == 0 } && summary.statistics.isConstant && summary.statistics.mean == 1e9 + 0.1)
    }

    /// Magnitudes near 1e300 (squares would overflow) and 1e-300 (squares would underflow).
    @Test(arguments: [1e300, 1e-300])
    func extremeMagnitudes(magnitude: Double) {
        var random = SeededRandom(state: 13)
        let values = (0..<10_000).map { _ in (random.next() - 0.4) * magnitude }
        let labels = values.indices.map { UInt32($0 % 2) }
        let (z, summary) = Self.normalize(values, method: .zScore)
        #expect(Self.maxError(z, Reference.zScores(values)) <= 1e-12)
        let (_, std) = Reference.meanAndStd(values)
        #expect(abs(summary.statistics.std - std) <= 1e-12 * std)
        #expect(Self.maxError(Self.normalize(values, method: .minMax).0, Reference.minMax(values)) <= 1e-12)
        let perCategory = Self.normalize(values, categories: labels, method: .zScorePerCategory).0
        #expect(Self.maxError(perCategory, Reference.zScoresPerCategory(values, labels.map { "\($0)" })) <= 1e-12)
    }

    /// Chan's formula joins sets held in different scales and shifts.
    @Test func mergingSetsOfDifferentScales() {
        let small = [1e-3, 2e-3, 4e-3], large = [1e6, 3e6]
        var merged = Moments(scale: 0x1p-20)
        for value in large { merged.add(value) }
        var other = Moments(scale: 0x1p9)
        for value in small { other.add(value) }
        merged.merge(other)
        let (mean, std) = Reference.meanAndStd(large + small)
        let statistics = Statistics(merged)
        #expect(abs(statistics.mean - mean) <= 1e-15 * mean && abs(statistics.std - std) <= 1e-14 * std)
        #expect(statistics.min == 1e-3 && statistics.max == 3e6 && statistics.count == 5)
    }
}
