/// One reason a record is invalid. ``code`` is the stable name used in quality counts and
/// error bodies.
public enum InvalidReason: Sendable, Hashable {
    /// `record_not_object`: the batch element is not a JSON object.
    case notAnObject(RawField)
    /// `missing_field`: the field is absent (or, in CSV, empty for `id` and `value`).
    case missingField(RecordField)
    /// `null_field`: the field is JSON `null`; counted as missing in ``QualityCounts/missingFields``.
    case nullField(RecordField)
    /// `duplicate_field`: the record object has the field more than once.
    case repeatedField(RecordField)
    /// `id_not_integer`: the id is not an integer literal (`1.5`, `1.0`, `1e3`, `"7"`, `true`).
    case idNotInteger(RawField)
    /// `id_out_of_range`: the id is an integer literal outside the 64-bit range; its text.
    case idOutOfRange(String)
    /// `duplicate_id`: an earlier record, at `firstIndex`, already has this id.
    case duplicateID(Int64, firstIndex: Int)
    /// `value_not_number`: the value is not a number (a string, a boolean, a container).
    case valueNotNumber(RawField)
    /// `value_not_finite`: the value is NaN or infinite, or overflows a Double (`1e999`),
    /// including the strings `"NaN"` and `"Infinity"` that some encoders write.
    case valueNotFinite(RawField)
    /// `category_not_string`: the category is not a string.
    case categoryNotString(RawField)
    /// `category_empty`: the category is the empty string.
    case categoryEmpty
    /// `category_too_long`: the category has `bytes` UTF-8 bytes, more than `limit`.
    case categoryTooLong(bytes: Int, limit: Int)
    /// `category_contains_nul`: the category contains U+0000, which PostgreSQL text cannot store.
    case categoryContainsNUL

    /// The stable reason code, such as `value_not_finite`.
    public var code: String {
        switch self {
        case .notAnObject: "record_not_object"
        case .missingField: "missing_field"
        case .nullField: "null_field"
        case .repeatedField: "duplicate_field"
        case .idNotInteger: "id_not_integer"
        case .idOutOfRange: "id_out_of_range"
        case .duplicateID: "duplicate_id"
        case .valueNotNumber: "value_not_number"
        case .valueNotFinite: "value_not_finite"
        case .categoryNotString: "category_not_string"
        case .categoryEmpty: "category_empty"
        case .categoryTooLong: "category_too_long"
        case .categoryContainsNUL: "category_contains_nul"
        }
    }

    /// The field at fault; nil when the whole record is.
    public var field: RecordField? {
        switch self {
        case .notAnObject: nil
        case .missingField(let field), .nullField(let field), .repeatedField(let field): field
        case .idNotInteger, .idOutOfRange, .duplicateID: .id
        case .valueNotNumber, .valueNotFinite: .value
        case .categoryNotString, .categoryEmpty, .categoryTooLong, .categoryContainsNUL: .category
        }
    }

    /// The reason in words.
    public var message: String {
        switch self {
        case .notAnObject(let found): "the record must be an object; found \(found.summary)"
        case .missingField(let field): "\(field.rawValue) is missing"
        case .nullField(let field): "\(field.rawValue) is null"
        case .repeatedField(let field): "\(field.rawValue) appears more than once"
        case .idNotInteger(let found): "id must be an integer; found \(found.summary)"
        case .idOutOfRange(let text): "id \(text.abbreviated) is outside the 64-bit integer range"
        case .duplicateID(let id, let first): "id \(id) already appeared in record \(first)"
        case .valueNotNumber(let found): "value must be a number; found \(found.summary)"
        case .valueNotFinite(let found): "value must be a finite number; found \(found.summary)"
        case .categoryNotString(let found): "category must be a string; found \(found.summary)"
        case .categoryEmpty: "category is empty"
        case .categoryTooLong(let bytes, let limit): "category is \(bytes) UTF-8 bytes long; the limit is \(limit)"
        case .categoryContainsNUL: "category contains a NUL character"
        }
    }
}
