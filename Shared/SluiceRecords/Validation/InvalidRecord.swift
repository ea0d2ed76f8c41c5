/// A record the validator refused, with every reason.
public struct InvalidRecord: Sendable, Hashable {
    /// The record's index in the batch, from 0.
    public var index: Int
    /// The record's id, when it has a valid integer one (a duplicate's included).
    public var id: Int64?
    /// Where the record starts in the body, when it came from one.
    public var location: SourceLocation?
    /// Every problem of the record: repeated fields first, then id, value and category,
    /// then a duplicate id.
    public var reasons: [InvalidReason]

    /// Creates an invalid record.
    public init(index: Int, id: Int64?, location: SourceLocation?, reasons: [InvalidReason]) {
        self.index = index
        self.id = id
        self.location = location
        self.reasons = reasons
    }
}
