/// Data-quality counts of one batch, stored with the job and shown in its summary.
///
/// Encodes with snake_case keys.
public struct QualityCounts: Codable, Sendable, Hashable {
    /// Records in the batch.
    public var total: Int
    /// Records without any problem.
    public var valid: Int
    /// Records with at least one problem.
    public var invalid: Int
    /// Records whose id an earlier record already had.
    public var duplicates: Int
    /// Absent or null fields, by field name (`id`, `value`, `category`); fields never
    /// missing are left out.
    public var missingFields: [String: Int]
    /// Problems by reason code (see ``InvalidReason/code``); a record with two problems
    /// counts under both, and a record missing two fields counts twice under `missing_field`.
    public var invalidByReason: [String: Int]
    /// Records that carried fields other than id, value and category, which are ignored.
    public var recordsWithUnknownFields: Int

    /// Creates counts; everything defaults to zero.
    public init(
        total: Int = 0,
        valid: Int = 0,
        invalid: Int = 0,
        duplicates: Int = 0,
        missingFields: [String: Int] = [:],
        invalidByReason: [String: Int] = [:],
        recordsWithUnknownFields: Int = 0
    ) {
        self.total = total
        self.valid = valid
        self.invalid = invalid
        self.duplicates = duplicates
        self.missingFields = missingFields
        self.invalidByReason = invalidByReason
        self.recordsWithUnknownFields = recordsWithUnknownFields
    }

    enum CodingKeys: String, CodingKey {
        case total, valid, invalid, duplicates
        case missingFields = "missing_fields"
        case invalidByReason = "invalid_by_reason"
        case recordsWithUnknownFields = "records_with_unknown_fields"
    }
}
