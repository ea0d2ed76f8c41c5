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
