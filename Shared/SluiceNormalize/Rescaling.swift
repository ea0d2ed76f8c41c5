import SluiceRecords

/// The affine map every normalization ends in, per parameter set (one for the whole
/// job, or one per category): `((value × scale − shift) − offset) / divisor`, and 0
/// where the divisor is 0 (constant values). Keeping the shift apart from the offset
/// means a z-score never goes through a rounded mean: near 1e9 a mean rounded to a
/// double is already 1e-7 off, which a spread of 1 would turn into a z-score error of 1e-7.
public struct Rescaling: Sendable, Equatable {
    public var scale: Double
    public var shift: [Double]
    public var offset: [Double]
    public var divisor: [Double]

    /// z-scores with the mean and standard deviation of each of `moments` (all in `scale`).
    public static func zScores(_ moments: [Moments], scale: Double) -> Rescaling {
        Rescaling(scale: scale, shift: moments.map(\.shift), offset: moments.map(\.mean), divisor: moments.map(\.scaledStd))
    }

    /// (value − min) / (max − min), computed on scaled values so that the range cannot
    /// overflow (−1e308…1e308). Rounding is monotonic, so results stay in [0, 1].
    public static func minMax(_ whole: Moments) -> Rescaling {
        let low = whole.min * whole.scale
        return Rescaling(scale: whole.scale, shift: [low], offset: [0], divisor: [whole.max * whole.scale - low])
    }
}

/// What a normalization computed, besides the rescaled values.
public struct NormalizationSummary: Sendable {
    /// The whole job's statistics, whatever the method.
    public var statistics: Statistics
    /// For per-category z-scores: how many categories there were, and how many of them
    /// had a single repeated value (their z-scores are all 0).
    public var categories = 0
    public var constantCategories = 0

    public init(statistics: Statistics, categories: [Moments]? = nil) {
        self.statistics = statistics
        if let categories {
            self.categories = categories.count
            constantCategories = categories.count { $0.scaledStd == 0 }
        }
    }
}

/// The values to normalize and, for ``Normalization/zScorePerCategory``, each value's
/// category as an index below `categoryCount` (categories in order of first appearance).
public struct NormalizationInput {
    public var values: UnsafeBufferPointer<Double>
    public var categories: UnsafeBufferPointer<UInt32>
    public var categoryCount: Int

    /// The caller keeps the buffers alive and unchanged until the normalization returns.
    public init(values: UnsafeBufferPointer<Double>, categories: UnsafeBufferPointer<UInt32>, categoryCount: Int) {
        self.values = values
        self.categories = categories
        self.categoryCount = categoryCount
    }
}
