import Foundation

/// A Swift type that a column value (in PostgreSQL's text output format) decodes into.
public protocol PostgresDecodable: Sendable {
    /// Parses the server's text form of a non-NULL value; `nil` when it is malformed.
    init?(postgresText text: String)
    /// The value SQL NULL decodes to, or `nil` when this type cannot hold NULL
    /// (then NULL is a decoding error). Default `nil`; `Optional` answers `.some(nil)`.
    static var postgresNull: Self? { get }
}

extension PostgresDecodable {
    public static var postgresNull: Self? { nil }
}

extension String: PostgresDecodable {
    public init?(postgresText text: String) { self = text }
}

extension Int: PostgresDecodable {
    public init?(postgresText text: String) { self.init(text) }
}

extension Int32: PostgresDecodable {
    public init?(postgresText text: String) { self.init(text) }
}

extension Int64: PostgresDecodable {
    public init?(postgresText text: String) { self.init(text) }
}

extension Double: PostgresDecodable {
    public init?(postgresText text: String) {
        switch text {
        case "NaN": self = .nan
        case "Infinity": self = .infinity
        case "-Infinity": self = -.infinity
        default: self.init(text)
        }
    }
}

extension Bool: PostgresDecodable {
    public init?(postgresText text: String) {
        switch text {
        case "t", "true": self = true
        case "f", "false": self = false
        default: return nil
        }
    }
}

extension UUID: PostgresDecodable {
    public init?(postgresText text: String) { self.init(uuidString: text) }
}

extension Date: PostgresDecodable {
    /// Accepts `timestamptz` (and `timestamp`, read as UTC) in the ISO style every
    /// session is set to; `infinity` has no `Date` and fails.
    public init?(postgresText text: String) {
        guard let date = PostgresTimestamp.parse(text) else { return nil }
        self = date
    }
}

extension [UInt8]: PostgresDecodable {
    public init?(postgresText text: String) {
        guard let bytes = PostgresBytes.parseHex(text) else { return nil }
        self = bytes
    }
}

extension Optional: PostgresDecodable where Wrapped: PostgresDecodable {
    public init?(postgresText text: String) {
        guard let value = Wrapped(postgresText: text) else { return nil }
        self = .some(value)
    }

    public static var postgresNull: Wrapped?? { .some(nil) }
}
