/// One valid record of a job: what the normalizer, Spark and the analyzer work on.
///
/// Only ``RecordValidator`` makes these from submitted data, so the invariants below
/// hold for every record that reaches a later stage.
public struct Record: Codable, Sendable, Hashable {
    /// The record's id, unique within its job.
    public var id: Int64
    /// The measurement; always finite.
    public var value: Double
    /// The group the record belongs to: non-empty, without NUL, at most
    /// ``SubmissionLimits/maxCategoryBytes`` UTF-8 bytes.
    public var category: String

    /// Creates a record.
    public init(id: Int64, value: Double, category: String) {
        self.id = id
        self.value = value
        self.category = category
    }
}
