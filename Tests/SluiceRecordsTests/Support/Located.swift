import SluiceRecords

/// The locating parts of an error detail, for exact comparison in tables.
struct Located: Equatable, Sendable, CustomStringConvertible {
    var record: Int?
    var id: Int64?
    var field: String?
    var reason: String?
    var line: Int?
    var column: Int?
    var firstRecord: Int?

    init(
        record: Int? = nil,
        id: Int64? = nil,
        field: String? = nil,
        reason: String? = nil,
        line: Int? = nil,
        column: Int? = nil,
        firstRecord: Int? = nil
    ) {
        self.record = record
        self.id = id
        self.field = field
        self.reason = reason
        self.line = line
        self.column = column
        self.firstRecord = firstRecord
    }

    /// The located parts of `detail`; all nil for none.
    init(_ detail: ErrorDetail?) {
        self.init(
            record: detail?.record,
            id: detail?.id,
            field: detail?.field,
            reason: detail?.reason,
            line: detail?.line,
            column: detail?.column,
            firstRecord: detail?.firstRecord
        )
    }

    var description: String {
        "record \(record.map(String.init) ?? "-") id \(id.map(String.init) ?? "-") field \(field ?? "-") reason \(reason ?? "-") at \(line.map(String.init) ?? "-"):\(column.map(String.init) ?? "-") first \(firstRecord.map(String.init) ?? "-")"
    }
}
