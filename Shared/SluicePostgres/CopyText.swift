/// COPY's text format: fields separated by tabs, rows ended by newlines, `\N` for
/// NULL, and a backslash escape for the characters that would break that framing.
enum CopyText {
    /// Appends one row to `buffer`.
    ///
    /// - Throws: ``PostgresError/Code/encodingFailed`` naming the row and column when
    ///   a field contains NUL, which PostgreSQL text cannot hold.
    static func appendRow(_ fields: [String?], row: Int, columns: [String], to buffer: inout [UInt8]) throws {
        for (index, field) in fields.enumerated() {
            if index > 0 { buffer.append(UInt8(ascii: "\t")) }
            guard let field else {
                buffer.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "N")])
                continue
            }
            for byte in field.utf8 {
                switch byte {
                case 0:
                    throw PostgresError(
                        code: .encodingFailed,
                        message: "COPY row \(row), column '\(columns[index])' contains a NUL character"
                    )
                case UInt8(ascii: "\\"): buffer.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\\")])
                case UInt8(ascii: "\t"): buffer.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "t")])
                case UInt8(ascii: "\n"): buffer.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "n")])
                case UInt8(ascii: "\r"): buffer.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "r")])
                default: buffer.append(byte)
                }
            }
        }
        buffer.append(UInt8(ascii: "\n"))
    }
}
