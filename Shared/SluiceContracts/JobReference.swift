import Foundation

/// What a person may give wherever a job id is taken (the CLI, the API's `{id}`): the
/// whole id, or its first 8 or more hex digits, as the dashboard and the CLI show them
/// (`64238b90`, `64238b90-1f`). Case does not matter; the hyphens, where given, must
/// stand where a UUID has them.
public enum JobReference: Sendable, Hashable {
    /// A whole job id.
    case id(UUID)
    /// The first hex digits of a job id (8 to 31 of them, lower case, without hyphens).
    case prefix(String)

    /// The fewest hex digits a prefix must have: fewer would match too many jobs to be
    /// worth looking up, and an id shown shorter than this is not one Sluice shows.
    public static let minimumPrefixDigits = 8

    /// Reads `text`; nil when it is neither a job id nor a prefix of one with at least
    /// ``minimumPrefixDigits`` hex digits.
    public init?(_ text: String) {
        if let id = UUID(uuidString: text) {
            self = .id(id)
            return
        }
        let hyphens: Set<Int> = [8, 13, 18, 23]
        var digits = ""
        for (offset, character) in text.lowercased().enumerated() {
            if hyphens.contains(offset) {
                guard character == "-" else { return nil }
            } else {
                guard character.isHexDigit, character.isASCII else { return nil }
                digits.append(character)
            }
        }
        guard digits.count >= Self.minimumPrefixDigits, digits.count < 32 else { return nil }
        self = .prefix(digits)
    }

    /// The smallest and the largest job id that begin with the prefix (the id itself for
    /// a whole id): a range an index on the id can answer.
    public var bounds: (lowest: UUID, highest: UUID) {
        switch self {
        case .id(let id):
            return (id, id)
        case .prefix(let digits):
            return (Self.uuid(digits, paddedWith: "0"), Self.uuid(digits, paddedWith: "f"))
        }
    }

    private static func uuid(_ digits: String, paddedWith pad: Character) -> UUID {
        let hex = Array(digits + String(repeating: pad, count: 32 - digits.count))
        let text = [0..<8, 8..<12, 12..<16, 16..<20, 20..<32].map { String(hex[$0]) }.joined(separator: "-")
        // 32 hex digits in UUID form always parse.
        return UUID(uuidString: text)!
    }
}
