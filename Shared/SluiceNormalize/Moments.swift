/// Count, mean and spread of a set of values, held so that neither precision nor
/// range is lost: every quantity is in units of `value × scale` (`scale` a power of
/// two, so multiplying is exact) and relative to `shift` (one of the values, scaled),
/// so that a large common offset cancels exactly (Sterbenz) before anything is summed.
///
/// Sets are combined with Chan's parallel formula (``merge(_:)``), values one at a time
/// with Welford's update (``add(_:)``); blocks of values come from a two-pass reduction
/// over cache-resident data (``CPUMoments``) or a GPU tile.
public struct Moments: Sendable, Equatable {
    public var count: Double = 0
    /// A power of two that keeps every scaled value in (−1, 1).
    public var scale: Double = 1
    /// One value of the set, times `scale`.
    public var shift: Double = 0
    /// The mean of `value × scale − shift`.
    public var mean: Double = 0
    /// Σ (value × scale − shift − mean)².
    public var m2: Double = 0
    public var min: Double = .infinity
    public var max: Double = -.infinity

    /// No values yet, in units of `scale`.
    public init(scale: Double = 1) {
        self.scale = scale
    }

    /// Moments computed elsewhere (a block, a GPU tile, a category's sums).
    public init(count: Double, scale: Double, shift: Double, mean: Double, m2: Double, min: Double, max: Double) {
        (self.count, self.scale, self.shift, self.mean, self.m2, self.min, self.max) = (count, scale, shift, mean, m2, min, max)
    }

    /// Welford's update. The first value becomes the shift; `scale` must suit every value.
    @inline(__always)
    public mutating func add(_ value: Double) {
        let scaled = value * scale
        if count == 0 { shift = scaled }
        let deviation = scaled - shift
        count += 1
        let delta = deviation - mean
        mean += delta / count
        m2 += delta * (deviation - mean)
        min = Swift.min(min, value)
        max = Swift.max(max, value)
    }

    /// Chan's formula: the moments of both sets together, in the smaller of the two
    /// scales and relative to this set's shift.
    public mutating func merge(_ other: Moments) {
        guard other.count > 0 else { return }
        guard count > 0 else {
            self = other
            return
        }
        var other = other
        if other.scale < scale { rescale(to: other.scale) } else if scale < other.scale { other.rescale(to: scale) }
        // Exact when the shifts are within a factor of two of each other (Sterbenz).
        let otherMean = other.mean + (other.shift - shift)
        let total = count + other.count
        let delta = otherMean - mean
        mean += delta * (other.count / total)
        m2 += other.m2 + delta * delta * (count * (other.count / total))
        count = total
        min = Swift.min(min, other.min)
        max = Swift.max(max, other.max)
    }

    /// Multiplies by `newScale / scale` (a power of two at most 1: exact, or a negligible underflow).
    private mutating func rescale(to newScale: Double) {
        let factor = newScale / scale
        shift *= factor
        mean *= factor
        m2 *= factor * factor
        scale = newScale
    }

    /// The population standard deviation of the scaled values.
    public var scaledStd: Double { count > 0 ? (Swift.max(0, m2) / count).squareRoot() : 0 }

    /// 2^k with `magnitude · 2^k` in [0.5, 1), or 1 for 0. The exponent is capped at
    /// 1023 so the factor stays finite for subnormal magnitudes (they then land below
    /// 0.5, still far from underflow). The GPU kernel computes the same.
    @inline(__always)
    public static func scale(forMagnitude magnitude: Double) -> Double {
        guard magnitude > 0 else { return 1 }
        return Double(sign: .plus, exponent: Swift.min(-Int(magnitude.exponent) - 1, 1023), significand: 1)
    }
}

/// What a job's values look like: count, population mean and standard deviation,
/// minimum and maximum, in the values' own units.
public struct Statistics: Sendable, Equatable {
    public let count: Int
    public let mean: Double
    /// Population standard deviation (divides by n, not n − 1).
    public let std: Double
    public let min: Double
    public let max: Double
    /// Whether every value is the same (the standard deviation is 0).
    public let isConstant: Bool

    /// The statistics the moments describe, back in the values' units.
    public init(_ moments: Moments) {
        count = Int(moments.count)
        min = moments.min
        max = moments.max
        // Dividing by a power of two is exact; clamping keeps a rounded mean inside the values' range.
        mean = Swift.min(moments.max, Swift.max(moments.min, (moments.shift + moments.mean) / moments.scale))
        std = moments.scaledStd / moments.scale
        isConstant = moments.scaledStd == 0
    }
}
