import SluiceNormalize

/// A job's rescaled values and what the normalization computed besides.
struct Normalized: Sendable {
    /// One rescaled value per record, in record order.
    var scaled: [Double]
    var summary: NormalizationSummary
}
