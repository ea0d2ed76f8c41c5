/// A SQL statement whose interpolated values become bound parameters.
///
/// ```swift
/// let query: PostgresQuery = "SELECT * FROM jobs WHERE job_id = \(id) AND status = \(status)"
/// // query.sql == "SELECT * FROM jobs WHERE job_id = $1 AND status = $2"
/// ```
///
/// Interpolation is the only way a value reaches the SQL text, and it never does:
/// each value is sent separately, so no quoting mistake can turn data into SQL.
/// Names that cannot be parameters (a schema chosen at run time) go through
/// `\(identifier:)`, which quotes them.
public struct PostgresQuery: Sendable, Hashable, ExpressibleByStringInterpolation, CustomStringConvertible {
    /// The SQL text with `$1`, `$2`, … where values were interpolated.
    public let sql: String
    /// The values in parameter order.
    public let bindings: [PostgresBinding]

    /// A statement without parameters.
    public init(stringLiteral sql: String) {
        self.sql = sql
        bindings = []
    }

    /// A statement built by interpolation.
    public init(stringInterpolation: StringInterpolation) {
        sql = stringInterpolation.sql
        bindings = stringInterpolation.bindings
    }

    /// The SQL text; never the bound values.
    public var description: String { sql }

    /// Collects literal SQL and turns each interpolated value into the next `$n`.
    public struct StringInterpolation: StringInterpolationProtocol {
        fileprivate var sql = ""
        fileprivate var bindings: [PostgresBinding] = []

        /// Reserves room for the literal text.
        public init(literalCapacity: Int, interpolationCount: Int) {
            sql.reserveCapacity(literalCapacity + interpolationCount * 3)
            bindings.reserveCapacity(interpolationCount)
        }

        /// Appends literal SQL text.
        public mutating func appendLiteral(_ literal: String) {
            sql += literal
        }

        /// Binds `value` as the next parameter.
        public mutating func appendInterpolation(_ value: some PostgresEncodable) {
            bindings.append(PostgresBinding(value))
            sql += "$\(bindings.count)"
        }

        /// Binds `value` as the next parameter, NULL when it is `nil`.
        ///
        /// Without this overload an optional would still bind, but with the compiler's
        /// "interpolation produces a debug description" warning.
        public mutating func appendInterpolation<Value: PostgresEncodable>(_ value: Value?) {
            bindings.append(PostgresBinding(value))
            sql += "$\(bindings.count)"
        }

        /// Appends `name` as a quoted identifier (a schema, table or column name).
        public mutating func appendInterpolation(identifier name: String) {
            sql += PostgresIdentifier.quoted(name)
        }
    }
}

/// One bound parameter: its declared type and its text (`nil` is NULL).
public struct PostgresBinding: Hashable, Sendable {
    /// The type the parameter is declared as.
    public let dataType: PostgresDataType
    /// The value in text format, `nil` for NULL.
    public let text: String?

    /// Captures `value`'s type and text form.
    public init<Value: PostgresEncodable>(_ value: Value) {
        dataType = Value.postgresDataType
        text = value.postgresText
    }
}
