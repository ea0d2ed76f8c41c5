import Foundation

/// Writing CSV fields the way ``SubmissionParser`` and the stages read them (RFC 4180).
public enum CSVField {
    /// The field quoted, with quotes doubled, when it holds a comma, a quote or a line
    /// break; otherwise as it is. Checked on bytes: a CRLF pair is one `Character`
    /// and would slip past a check for `"\r"` or `"\n"`.
    public static func quoted(_ field: String) -> String {
        guard field.utf8.contains(where: { $0 == UInt8(ascii: ",") || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\n") || $0 == UInt8(ascii: "\r") }) else {
            return field
        }
        return "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
