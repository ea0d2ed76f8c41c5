/// What a normalization computed, besides the rescaled values.
public struct NormalizationSummary: Sendable {
    /// The whole job's statistics, whatever the method.
    public var statistics: Statistics
    /// For per-category z-scores: how many categories there were, and how many of them
    /// had a single repeated value (their z-scores are all 0).
    public var categories = 0
    public var constantCategories = 0

    /// The summary of a job with `statistics`, and the moments of each category when
    /// it was normalized per category.
    public init(statistics: Statistics, categories: [Moments]? = nil) {
        self.statistics = statistics
        if let categories {
            self.categories = categories.count
            constantCategories = categories.count { $0.scaledStd == 0 }
        }
    }
}
