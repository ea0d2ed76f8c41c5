/// The rows a query returned, copied out of libpq into Swift values, so they outlive
/// the connection they came from and can be handed across tasks.
public struct PostgresRows: Sendable, RandomAccessCollection {
    /// The result's column names, in order.
    public var columns: [String] { storage.columns }
    private let storage: Storage

    /// Shared by every row of one result, so a row is a reference and an index.
    final class Storage: Sendable {
        let columns: [String]
        let columnIndex: [String: Int]
        /// Row-major: the value of row r, column c is at r × columns.count + c; nil is NULL.
        let values: [String?]

        init(columns: [String], values: [String?]) {
            self.columns = columns
            // The first column of a name wins, as in `SELECT a.id, b.id`.
            columnIndex = Dictionary(columns.enumerated().map { ($1, $0) }, uniquingKeysWith: { first, _ in first })
            self.values = values
        }
    }

    init(columns: [String], values: [String?]) {
        storage = Storage(columns: columns, values: values)
    }

    /// Index of the first row.
    public var startIndex: Int { 0 }
    /// One past the last row.
    public var endIndex: Int { storage.columns.isEmpty ? 0 : storage.values.count / storage.columns.count }

    /// The row at `position`.
    public subscript(position: Int) -> PostgresRow {
        precondition(indices.contains(position), "row index \(position) out of range")
        return PostgresRow(storage: storage, row: position)
    }

    /// The only row, or a ``PostgresError/Code/decodingFailed`` error when there are none or several.
    public func single() throws -> PostgresRow {
        guard count == 1 else {
            throw PostgresError(code: .decodingFailed, message: "expected exactly one row, got \(count)")
        }
        return self[0]
    }
}

/// One row of a ``PostgresRows``; decode its columns by name or position.
public struct PostgresRow: Sendable {
    private let storage: PostgresRows.Storage
    private let row: Int

    init(storage: PostgresRows.Storage, row: Int) {
        self.storage = storage
        self.row = row
    }

    /// The column names of this row's result.
    public var columns: [String] { storage.columns }

    /// Decodes the column called `name`.
    ///
    /// - Throws: ``PostgresError/Code/decodingFailed`` naming the column when it does
    ///   not exist, is NULL and `T` is not optional, or does not parse as `T`.
    public func decode<T: PostgresDecodable>(_ name: String, as type: T.Type = T.self) throws -> T {
        guard let column = storage.columnIndex[name] else {
            throw PostgresError(
                code: .decodingFailed,
                message: "no column '\(name)'; the result has \(storage.columns.joined(separator: ", "))"
            )
        }
        return try decode(column, as: type)
    }

    /// Decodes the column at `column` (0-based).
    ///
    /// - Throws: ``PostgresError/Code/decodingFailed`` naming the column when the index is
    ///   out of range, the value is NULL and `T` is not optional, or it does not parse as `T`.
    public func decode<T: PostgresDecodable>(_ column: Int, as type: T.Type = T.self) throws -> T {
        guard storage.columns.indices.contains(column) else {
            throw PostgresError(
                code: .decodingFailed,
                message: "no column at index \(column); the result has \(storage.columns.count)"
            )
        }
        let name = storage.columns[column]
        guard let text = storage.values[row * storage.columns.count + column] else {
            guard let null = T.postgresNull else {
                throw PostgresError(
                    code: .decodingFailed,
                    message: "column '\(name)' is NULL; decode it as \(T.self)? to accept NULL"
                )
            }
            return null
        }
        guard let value = T(postgresText: text) else {
            // The value itself stays out of the message: it may be personal data.
            throw PostgresError(
                code: .decodingFailed,
                message: "column '\(name)' (\(text.utf8.count) bytes) does not decode as \(T.self)"
            )
        }
        return value
    }
}
