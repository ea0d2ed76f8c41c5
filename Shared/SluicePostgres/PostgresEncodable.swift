import Foundation

/// A Swift value that can be bound as a query parameter or a COPY field.
///
/// Values travel in PostgreSQL's text format; `nil` text is SQL NULL.
public protocol PostgresEncodable: Sendable {
    /// The type the parameter is declared as.
    static var postgresDataType: PostgresDataType { get }
    /// The value in PostgreSQL's text input format, or `nil` for NULL.
    var postgresText: String? { get }
}

extension String: PostgresEncodable {
    /// Unspecified, so that a string can stand where the server expects any type
    /// with a text input form (an enum-like text column, an interval, a date).
    public static var postgresDataType: PostgresDataType { .unspecified }
    public var postgresText: String? { self }
}

extension Int: PostgresEncodable {
    public static var postgresDataType: PostgresDataType { .int8 }
    public var postgresText: String? { String(self) }
}

extension Int32: PostgresEncodable {
    public static var postgresDataType: PostgresDataType { .int4 }
    public var postgresText: String? { String(self) }
}

extension Int64: PostgresEncodable {
    public static var postgresDataType: PostgresDataType { .int8 }
    public var postgresText: String? { String(self) }
}

extension Double: PostgresEncodable {
    public static var postgresDataType: PostgresDataType { .float8 }
    /// Swift's shortest round-tripping digits; the special values in PostgreSQL's spelling.
    public var postgresText: String? {
        if isNaN { return "NaN" }
        if isInfinite { return self < 0 ? "-Infinity" : "Infinity" }
        return description
    }
}

extension Bool: PostgresEncodable {
    public static var postgresDataType: PostgresDataType { .bool }
    public var postgresText: String? { self ? "true" : "false" }
}

extension UUID: PostgresEncodable {
    public static var postgresDataType: PostgresDataType { .uuid }
    public var postgresText: String? { uuidString }
}

extension Date: PostgresEncodable {
    public static var postgresDataType: PostgresDataType { .timestamptz }
    /// UTC with microseconds, PostgreSQL's own resolution.
    public var postgresText: String? { PostgresTimestamp.format(self) }
}

extension [UInt8]: PostgresEncodable {
    public static var postgresDataType: PostgresDataType { .bytea }
    /// bytea's hex format, `\x` followed by two hex digits per byte.
    public var postgresText: String? { PostgresBytes.hex(self) }
}

extension Optional: PostgresEncodable where Wrapped: PostgresEncodable {
    public static var postgresDataType: PostgresDataType { Wrapped.postgresDataType }
    public var postgresText: String? { self?.postgresText }
}
