import SluiceRecords

/// The float64 CPU backend: rescales a job's values as its ``Normalization`` asks.
///
/// Every method is two-pass over values held in memory, with compensated (Neumaier)
/// sums, because the naive one-pass `Σx² − (Σx)²/n` cancels catastrophically for
/// values with a large common offset (1e9 ± 1 loses every digit of the spread).
/// Values are first scaled by a power of two (exact) so that squares neither
/// overflow near 1e308 nor underflow near 1e-300, and shifted by the first value so
/// that a large common offset cancels exactly (Sterbenz) before anything is summed.
struct CPUNormalizer: Sendable {
    /// What the stage records as the device that ran the arithmetic.
    static let device = "cpu"

    /// Rescales `values` (at least one) by `method`; `categories` runs parallel to
    /// `values` and matters only for ``Normalization/zScorePerCategory``.
    func normalize(_ values: [Double], categories: [String], method: Normalization) -> NormalizationResult {
        let whole = Moments(of: values)
        var result = NormalizationResult(statistics: whole, scaled: [])
        switch method {
        case .zScore:
            result.scaled = whole.zScores(of: values)
        case .minMax:
            result.scaled = Self.minMax(values, whole)
        case .zScorePerCategory:
            var scaled = [Double](repeating: 0, count: values.count)
            let groups = Self.groups(categories)
            for indices in groups {
                let members = indices.map { values[$0] }
                let moments = Moments(of: members)
                if moments.isConstant { result.constantCategories += 1 }
                for (index, z) in zip(indices, moments.zScores(of: members)) { scaled[index] = z }
            }
            result.categories = groups.count
            result.scaled = scaled
        }
        return result
    }

    /// (x − min) / (max − min), computed on the scaled values so that the range cannot
    /// overflow (−1e308…1e308); 0 for every record when all values are equal.
    private static func minMax(_ values: [Double], _ moments: Moments) -> [Double] {
        guard !moments.isConstant else { return [Double](repeating: 0, count: values.count) }
        let scale = moments.scale
        let low = moments.min * scale
        let range = moments.max * scale - low
        // Rounding is monotonic, so x − min never exceeds max − min: results stay in [0, 1].
        return values.map { ($0 * scale - low) / range }
    }

    /// The indices of each category's records, categories in order of first appearance.
    private static func groups(_ categories: [String]) -> [[Int]] {
        var groupOf: [String: Int] = [:]
        var groups: [[Int]] = []
        for (index, category) in categories.enumerated() {
            if let group = groupOf[category] {
                groups[group].append(index)
            } else {
                groupOf[category] = groups.count
                groups.append([index])
            }
        }
        return groups
    }
}

/// What ``CPUNormalizer/normalize(_:categories:method:)`` computed.
struct NormalizationResult: Sendable {
    /// The whole job's statistics, whatever the method.
    var statistics: Moments
    /// One rescaled value per input value, in input order.
    var scaled: [Double]
    /// For per-category z-scores: how many categories there were, and how many of them
    /// had a single repeated value (their z-scores are all 0).
    var categories = 0
    var constantCategories = 0
}

/// Count, population mean and standard deviation, minimum and maximum of a set of values.
///
/// Also keeps what ``zScores(of:)`` needs to recompute each deviation exactly as the
/// variance saw it (the power-of-two scale, the shift and the shifted mean), so that a
/// z-score never goes through a rounded mean: with values near 1e9 a mean rounded to
/// the nearest double is already 1e-7 off, which a spread of 1 would turn into a
/// z-score error of 1e-7.
struct Moments: Sendable, Equatable {
    let count: Int
    let mean: Double
    /// Population standard deviation (divides by n, not n − 1).
    let std: Double
    let min: Double
    let max: Double

    /// A power of two that brings the largest magnitude into [0.5, 1).
    fileprivate let scale: Double
    /// The first value, scaled: subtracted from every value before summing.
    private let shift: Double
    /// The mean of the scaled, shifted values.
    private let shiftedMean: Double
    /// The standard deviation of the scaled values.
    private let scaledStd: Double

    /// Computes the moments of `values`, which must not be empty.
    init(of values: [Double]) {
        precondition(!values.isEmpty, "moments of no values")
        var low = values[0], high = values[0], largest = 0.0
        for value in values {
            low = Swift.min(low, value)
            high = Swift.max(high, value)
            largest = Swift.max(largest, value.magnitude)
        }
        let count = Double(values.count)
        let scale = Self.scale(forMagnitude: largest)
        let shift = values[0] * scale

        var sum = CompensatedSum()
        for value in values { sum.add(value * scale - shift) }
        let shiftedMean = sum.value / count

        // Corrected two-pass: Σe² − (Σe)²/n, where (Σe)²/n removes the rounding left in the mean.
        var deviations = CompensatedSum(), squares = CompensatedSum()
        for value in values {
            let deviation = (value * scale - shift) - shiftedMean
            deviations.add(deviation)
            squares.add(deviation * deviation)
        }
        let variance = Swift.max(0, (squares.value - deviations.value * deviations.value / count) / count)
        let scaledStd = variance.squareRoot()

        self.count = values.count
        self.min = low
        self.max = high
        self.scale = scale
        self.shift = shift
        self.shiftedMean = shiftedMean
        self.scaledStd = scaledStd
        // Dividing by a power of two is exact; it cannot overflow because both lie within the values' range.
        self.mean = Swift.min(high, Swift.max(low, (shift + shiftedMean) / scale))
        self.std = scaledStd / scale
    }

    /// Whether every value is the same (the standard deviation is 0).
    var isConstant: Bool { scaledStd == 0 }

    /// (x − mean) / std for each of `values` (the values these moments were computed
    /// from); 0 for every record when the standard deviation is 0.
    func zScores(of values: [Double]) -> [Double] {
        guard !isConstant else { return [Double](repeating: 0, count: values.count) }
        let (scale, shift, shiftedMean, scaledStd) = (scale, shift, shiftedMean, scaledStd)
        return values.map { (($0 * scale - shift) - shiftedMean) / scaledStd }
    }

    /// 2^k with `magnitude · 2^k` in [0.5, 1), or 1 for 0. The exponent is capped at
    /// 1023 so the factor stays finite for subnormal magnitudes (they then land below 0.5, still far from underflow).
    private static func scale(forMagnitude magnitude: Double) -> Double {
        guard magnitude > 0 else { return 1 }
        return Double(sign: .plus, exponent: Swift.min(-Int(magnitude.exponent) - 1, 1023), significand: 1)
    }
}

/// Neumaier's compensated sum: carries the low-order bits that each addition rounds
/// away, so the error does not grow with the number of terms.
struct CompensatedSum {
    private var sum = 0.0
    private var compensation = 0.0

    mutating func add(_ term: Double) {
        let total = sum + term
        if sum.magnitude >= term.magnitude {
            compensation += (sum - total) + term
        } else {
            compensation += (term - total) + sum
        }
        sum = total
    }

    var value: Double { sum + compensation }
}
