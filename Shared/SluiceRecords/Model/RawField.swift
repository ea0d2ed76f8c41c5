/// A field's value exactly as the submission carried it, before any interpretation.
///
/// Keeping the JSON type and the number's literal text is what lets the validator tell
/// `1` from `1.0`, `"7"` and `true`, and say which one it found.
public enum RawField: Sendable, Hashable {
    /// JSON `null`.
    case null
    /// A JSON boolean.
    case bool(Bool)
    /// A JSON number as its literal text (`1`, `-2.5`, `1e999`).
    case number(String)
    /// A JSON string.
    case string(String)
    /// A JSON array; its contents are not kept.
    case array
    /// A JSON object; its contents are not kept.
    case object
    /// A CSV field's text, which carries no type of its own.
    case text(String)
}

extension RawField {
    /// How messages name the value: its type and, for scalars, a short form of it.
    var summary: String {
        switch self {
        case .null: "null"
        case .bool(let flag): "the boolean \(flag)"
        case .number(let literal): "the number \(literal.abbreviated)"
        case .string(let string): "the string \"\(string.abbreviated)\""
        case .array: "an array"
        case .object: "an object"
        case .text(let text): "\"\(text.abbreviated)\""
        }
    }
}

extension String {
    /// The string cut to 40 characters, so that a message never repeats a huge input.
    var abbreviated: String {
        count <= 40 ? self : prefix(40) + "…"
    }
}
