/// A record as the submission carried it, before validation.
///
/// Parsing is lenient at this level: anything that is well-formed JSON, NDJSON or CSV
/// becomes a candidate, whatever its fields hold, so that ``RecordValidator`` can name
/// every problem of every record instead of stopping at the first.
public struct CandidateRecord: Sendable, Hashable {
    /// The `id` field as found; nil when absent.
    public var id: RawField?
    /// The `value` field as found; nil when absent.
    public var value: RawField?
    /// The `category` field as found; nil when absent.
    public var category: RawField?
    /// Names of fields other than `id`, `value` and `category`, in order of appearance.
    /// They are allowed and ignored (see ``QualityCounts/recordsWithUnknownFields``).
    public var unknownFields: [String]
    /// Known fields that appeared more than once in the record's JSON object; the first
    /// occurrence is the one kept in ``id``, ``value`` or ``category``.
    public var repeatedFields: [RecordField]
    /// The JSON value found where a record object was expected (such as `[1, 2]`); nil
    /// when the record is an object or a CSV row.
    public var nonObject: RawField?
    /// Where the record starts in the body; nil when it did not come from one.
    public var location: SourceLocation?

    /// Creates a candidate; every part defaults to absent or empty.
    public init(
        id: RawField? = nil,
        value: RawField? = nil,
        category: RawField? = nil,
        unknownFields: [String] = [],
        repeatedFields: [RecordField] = [],
        nonObject: RawField? = nil,
        location: SourceLocation? = nil
    ) {
        self.id = id
        self.value = value
        self.category = category
        self.unknownFields = unknownFields
        self.repeatedFields = repeatedFields
        self.nonObject = nonObject
        self.location = location
    }
}
