import Foundation

/// One Server-Sent Event: its `event:` name (`message` when none was given) and its
/// `data:` lines joined by line breaks.
public struct ServerSentEvent: Sendable, Equatable {
    public let name: String
    public let data: String

    public init(name: String, data: String) {
        self.name = name
        self.data = data
    }

    /// The data as a JSON object, or nil when it is not one.
    public func object() -> [String: Any]? {
        (try? JSONSerialization.jsonObject(with: Data(data.utf8))) as? [String: Any]
    }
}

/// Reads a `text/event-stream` as it arrives, in pieces cut anywhere (mid-line, or in
/// the middle of a UTF-8 character): ``feed(_:)`` returns the events the piece
/// completed. Lines end in LF, CRLF or CR; comments (`:`) and fields other than `event`
/// and `data` are skipped, as the WHATWG rules say.
public struct ServerSentEventParser: Sendable {
    private var pending: [UInt8] = []
    private var name = ""
    private var data: [String] = []
    /// A CR ended the last piece: an LF opening the next one belongs to it.
    private var afterCarriageReturn = false

    public init() {}

    /// The events `bytes` completes.
    public mutating func feed(_ bytes: some Sequence<UInt8>) -> [ServerSentEvent] {
        var events: [ServerSentEvent] = []
        for byte in bytes {
            if afterCarriageReturn {
                afterCarriageReturn = false
                if byte == UInt8(ascii: "\n") { continue }
            }
            switch byte {
            case UInt8(ascii: "\n"), UInt8(ascii: "\r"):
                afterCarriageReturn = byte == UInt8(ascii: "\r")
                if let event = endLine() { events.append(event) }
            default:
                pending.append(byte)
            }
        }
        return events
    }

    /// Handles the line in `pending`; a blank line dispatches the event it ends.
    private mutating func endLine() -> ServerSentEvent? {
        defer { pending.removeAll(keepingCapacity: true) }
        guard !pending.isEmpty else {
            defer { (name, data) = ("", []) }
            return data.isEmpty ? nil : ServerSentEvent(name: name.isEmpty ? "message" : name, data: data.joined(separator: "\n"))
        }
        let line = String(decoding: pending, as: UTF8.self)
        guard !line.hasPrefix(":") else { return nil }
        let field = line.prefix { $0 != ":" }
        var value = line.dropFirst(field.count).dropFirst()
        if value.hasPrefix(" ") { value = value.dropFirst() }
        switch field {
        case "event": name = String(value)
        case "data": data.append(String(value))
        default: break
        }
        return nil
    }
}
