import SluiceNormalize

/// A job's rescaled values and what the normalization computed besides.
struct Normalized: Sendable {
    /// One rescaled value per record, in record order.
    var scaled: [Double]
    var summary: NormalizationSummary
}

extension ValidatedRecords {
    /// Calls `body` with the records as a ``NormalizationInput`` and an output buffer
    /// of one value per record, and returns what it wrote.
    func normalized<E: Error>(
        _ body: (NormalizationInput, UnsafeMutableBufferPointer<Double>) throws(E) -> NormalizationSummary
    ) throws(E) -> Normalized {
        var scaled = [Double](repeating: 0, count: count)
        let summary = try values.withUnsafeBufferPointer { values throws(E) in
            try categories.withUnsafeBufferPointer { categories throws(E) in
                try scaled.withUnsafeMutableBufferPointer { output throws(E) in
                    try body(NormalizationInput(values: values, categories: categories, categoryCount: categoryNames.count), output)
                }
            }
        }
        return Normalized(scaled: scaled, summary: summary)
    }
}
