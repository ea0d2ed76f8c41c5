import Logging

/// Keeps each record of a text log on one line: a line break in the message or in a
/// metadata value (libpq's errors have several, their continuation lines starting with
/// a tab) is written as `\n`, so that one record is one line to `grep`, `tail` and a log
/// shipper. Everything else is the wrapped handler's.
public struct OneLineLogHandler<Wrapped: LogHandler>: LogHandler {
    private var wrapped: Wrapped

    /// Wraps `handler`.
    public init(_ handler: Wrapped) {
        wrapped = handler
    }

    public var logLevel: Logger.Level {
        get { wrapped.logLevel }
        set { wrapped.logLevel = newValue }
    }

    public var metadata: Logger.Metadata {
        get { wrapped.metadata }
        set { wrapped.metadata = newValue.mapValues(Self.oneLine) }
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { wrapped[metadataKey: key] }
        set { wrapped[metadataKey: key] = newValue.map(Self.oneLine) }
    }

    public func log(event: LogEvent) {
        var event = event
        event.message = "\(Self.oneLine("\(event.message)"))"
        event.metadata = event.metadata?.mapValues(Self.oneLine)
        wrapped.log(event: event)
    }

    /// `text` with its line breaks written as `\n` (and a carriage return as `\r`).
    static func oneLine(_ text: String) -> String {
        guard text.contains(where: \.isNewline) else { return text }
        var result = ""
        for character in text {
            switch character {
            case "\r\n": result += "\\n"
            case "\n": result += "\\n"
            case "\r": result += "\\r"
            default: result.append(character)
            }
        }
        return result
    }

    private static func oneLine(_ value: Logger.Metadata.Value) -> Logger.Metadata.Value {
        switch value {
        case .string(let text): .string(oneLine(text))
        case .stringConvertible(let convertible): .string(oneLine("\(convertible)"))
        case .array(let values): .array(values.map(oneLine))
        case .dictionary(let entries): .dictionary(entries.mapValues(oneLine))
        }
    }
}
