import SluiceRecords

extension CUDADevice {
    /// Normalizes `input` on the device as `method` asks, with the arithmetic of
    /// ``CPUNormalizer``: tile moments merged with Chan's formula on the host; per
    /// category a two-pass over the device-resident values (sums, then corrected sums
    /// of squared deviations), each category shifted by its first value. At most
    /// ``maxCategories`` categories.
    public func normalize(_ input: NormalizationInput, method: Normalization, into output: UnsafeMutableBufferPointer<Double>) throws(CUDAError) -> NormalizationSummary {
        let count = input.values.count
        let whole = try moments(input.values, count: count, pivot: input.values[0]).reduce(into: Moments()) { $0.merge($1) }
        switch method {
        case .zScore:
            try transform(.zScores([whole], scale: whole.scale), count: count, perCategory: false, into: output)
            return NormalizationSummary(statistics: Statistics(whole))
        case .minMax:
            try transform(.minMax(whole), count: count, perCategory: false, into: output)
            return NormalizationSummary(statistics: Statistics(whole))
        case .zScorePerCategory:
            let groups = try categoryMoments(input, scale: whole.scale)
            try transform(.zScores(groups, scale: whole.scale), count: count, perCategory: true, into: output)
            return NormalizationSummary(statistics: Statistics(whole), categories: groups)
        }
    }

    private func categoryMoments(_ input: NormalizationInput, scale: Double) throws(CUDAError) -> [Moments] {
        let categories = input.categoryCount
        guard categories <= Self.maxCategories else {
            throw CUDAError(kind: .failed, message: "\(categories) categories; the GPU kernel takes at most \(Self.maxCategories)")
        }
        // Each category's first value, scaled: found at the start of the data as a rule.
        var shift = [Double](repeating: .nan, count: categories)
        var found = 0
        for (value, category) in zip(input.values, input.categories) where shift[Int(category)].isNaN {
            shift[Int(category)] = value * scale
            found += 1
            if found == categories { break }
        }
        try loadCategories(input.categories)
        let count = input.values.count
        let first = try categorySums(count: count, categories: categories, scale: scale, shift: shift, mean: nil)
        let means = zip(first.sums, first.counts).map { $0 / $1 }
        // Corrected two-pass: Σe/n removes the rounding left in the mean.
        let second = try categorySums(count: count, categories: categories, scale: scale, shift: shift, mean: means)
        return (0..<categories).map { c in
            let (n, e1, e2) = (first.counts[c], second.sums[c], second.squares[c])
            return Moments(count: n, scale: scale, shift: shift[c], mean: means[c] + e1 / n, m2: Swift.max(0, e2 - e1 * e1 / n), min: .nan, max: .nan)
        }
    }
}
