import Foundation

/// A `jsonb` value: JSON text bound as `jsonb`, and decoded from `json`/`jsonb` columns.
///
/// ```swift
/// try conn.execute("UPDATE jobs SET config = \(PostgresJSON(config)) WHERE job_id = \(id)")
/// let config = try row.decode("config", as: PostgresJSON.self).decode(JobConfig.self)
/// ```
public struct PostgresJSON: Hashable, Sendable, PostgresEncodable, PostgresDecodable {
    /// The JSON text, exactly as sent or as the server returned it.
    public let text: String

    /// Wraps JSON text that is already serialized; the server validates it.
    public init(rawJSON text: String) {
        self.text = text
    }

    /// Serializes `value` with `encoder` (default: a plain `JSONEncoder`).
    public init(_ value: some Encodable, encoder: JSONEncoder = JSONEncoder()) throws {
        text = String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    /// Decodes the JSON text into `type` with `decoder` (default: a plain `JSONDecoder`).
    public func decode<T: Decodable>(_ type: T.Type = T.self, decoder: JSONDecoder = JSONDecoder()) throws -> T {
        try decoder.decode(type, from: Data(text.utf8))
    }

    public static var postgresDataType: PostgresDataType { .jsonb }
    public var postgresText: String? { text }

    public init?(postgresText text: String) {
        self.text = text
    }
}
