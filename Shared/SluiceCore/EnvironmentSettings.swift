import Foundation

/// Reads settings from environment variables, each with a default and a range; a value
/// that is malformed or out of range is a ``ConfigurationError`` naming its key.
public struct EnvironmentSettings: Sendable {
    /// The variables read.
    public let environment: [String: String]

    /// Reads from `environment` (the process's by default).
    public init(_ environment: [String: String] = ProcessInfo.processInfo.environment) {
        self.environment = environment
    }

    /// A whole number in `range`; `defaultValue` when unset.
    public func integer(_ key: String, default defaultValue: Int, in range: ClosedRange<Int>) throws -> Int {
        guard let text = environment[key] else { return defaultValue }
        guard let value = Int(text), range.contains(value) else {
            throw ConfigurationError(key: key, value: text, expected: "a whole number from \(range.lowerBound) to \(range.upperBound)")
        }
        return value
    }

    /// A number in `range`; `defaultValue` when unset.
    public func number(_ key: String, default defaultValue: Double, in range: ClosedRange<Double>) throws -> Double {
        guard let text = environment[key] else { return defaultValue }
        guard let value = Double(text), range.contains(value) else {
            throw ConfigurationError(key: key, value: text, expected: "a number from \(range.lowerBound) to \(range.upperBound)")
        }
        return value
    }

    /// A duration given in seconds (fractions allowed) in `range`; `defaultSeconds` when unset.
    public func seconds(_ key: String, default defaultSeconds: Double, in range: ClosedRange<Double>) throws -> Duration {
        .seconds(try number(key, default: defaultSeconds, in: range))
    }

    /// The text set for `key`; `defaultValue` when unset or empty.
    public func string(_ key: String, default defaultValue: String) -> String {
        guard let text = environment[key], !text.isEmpty else { return defaultValue }
        return text
    }
}
