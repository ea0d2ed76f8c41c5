/// One located problem of a refused submission: an item of the error body's `details`.
///
/// Every part is optional and left out of the JSON when unknown. Record-level problems
/// name the record, its id when it has a valid one, the field and the reason code;
/// syntax errors name the line and column.
public struct ErrorDetail: Codable, Sendable, Hashable {
    /// The record's index in the batch, from 0.
    public var record: Int?
    /// The record's id, when it has a valid integer one.
    public var id: Int64?
    /// The field at fault, such as `value` or a `processing_config` key.
    public var field: String?
    /// The stable reason code: for records, one of ``InvalidReason/code``; otherwise
    /// `syntax` (a body that cannot be read), `wrong_type`, `unknown_key`,
    /// `duplicate_key`, `unknown_value` (a request or `processing_config` member),
    /// `missing_field` or `data_and_input_uri` (the request's shape), `unsafe_path` or
    /// `unreadable_file` (`input_uri`), `invalid_parameter` (a query parameter or header).
    public var reason: String?
    /// The problem in words.
    public var message: String?
    /// The line, from 1.
    public var line: Int?
    /// The column, from 1, in Unicode scalars.
    public var column: Int?
    /// For `duplicate_id`: the index of the record where the id first appeared.
    public var firstRecord: Int?

    /// Creates a detail; every part defaults to unknown.
    public init(
        record: Int? = nil,
        id: Int64? = nil,
        field: String? = nil,
        reason: String? = nil,
        message: String? = nil,
        location: SourceLocation? = nil,
        firstRecord: Int? = nil
    ) {
        self.record = record
        self.id = id
        self.field = field
        self.reason = reason
        self.message = message
        self.line = location?.line
        self.column = location?.column
        self.firstRecord = firstRecord
    }

    enum CodingKeys: String, CodingKey {
        case record, id, field, reason, message, line, column
        case firstRecord = "first_record"
    }
}
