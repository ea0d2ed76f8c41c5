/// What the validator found in a batch: the valid records, the invalid ones with their
/// reasons, the quality counts, and any problem of the batch as a whole.
public struct ValidationReport: Sendable, Hashable {
    /// The valid records, in batch order.
    public var valid: [Record]
    /// The invalid records, in batch order.
    public var invalid: [InvalidRecord]
    /// The counts stored with the job.
    public var quality: QualityCounts
    /// A problem of the batch as a whole, which refuses it whatever the policy; nil when
    /// there is none.
    public var batchProblem: BatchProblem?

    /// Creates a report.
    public init(valid: [Record], invalid: [InvalidRecord], quality: QualityCounts, batchProblem: BatchProblem?) {
        self.valid = valid
        self.invalid = invalid
        self.quality = quality
        self.batchProblem = batchProblem
    }
}

/// A problem of a batch as a whole.
public enum BatchProblem: Sendable, Hashable {
    /// The batch has no records.
    case empty
    /// The batch has `count` records, more than `limit`.
    case tooManyRecords(count: Int, limit: Int)
}
