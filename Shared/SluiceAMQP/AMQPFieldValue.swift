import Foundation

/// A value in an AMQP field table: message headers and queue or exchange arguments.
public enum AMQPFieldValue: Sendable, Hashable {
    case bool(Bool)
    case int(Int64)
    case double(Double)
    case string(String)
    case bytes([UInt8])
    case timestamp(Date)
    case array([AMQPFieldValue])
    case table([String: AMQPFieldValue])
    case void

    /// The value as an integer, when it is one (the broker sends counters in several widths).
    public var intValue: Int64? {
        if case .int(let value) = self { return value }
        return nil
    }

    /// The value as a string, when it is one.
    public var stringValue: String? {
        switch self {
        case .string(let value): return value
        case .bytes(let value): return String(decoding: value, as: UTF8.self)
        default: return nil
        }
    }
}

extension AMQPFieldValue: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByBooleanLiteral {
    public init(stringLiteral value: String) { self = .string(value) }
    public init(integerLiteral value: Int64) { self = .int(value) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
}
