/// How the normalizer rescales values: the `normalization` setting.
public enum Normalization: String, Sendable, Hashable, Encodable, CaseIterable {
    /// `zscore`: (value − mean) / standard deviation over the whole job.
    case zScore = "zscore"
    /// `minmax`: (value − min) / (max − min) over the whole job.
    case minMax = "minmax"
    /// `zscore_per_category`: z-score with the mean and deviation of the record's category.
    case zScorePerCategory = "zscore_per_category"
}
