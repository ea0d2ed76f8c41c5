/// Reads RFC 4180 rows from UTF-8 bytes: fields separated by commas, rows ended by CRLF
/// or LF, and fields in double quotes may hold commas, line breaks and doubled quotes.
///
/// Strict where RFC 4180 is: a quote inside an unquoted field, or anything but a comma
/// or a line break after a closing quote, is an error. Blank lines are skipped.
struct CSVReader {
    /// Where a row is: the line it starts on, and its length in bytes (line break excluded).
    struct Row {
        var line: Int
        var byteCount: Int
    }

    private let bytes: [UInt8]
    private var offset: Int
    private var lines: LineTracker
    /// The record being read, named in errors; nil while reading the header.
    var recordIndex: Int?

    init(bytes: [UInt8], start: Int) {
        self.bytes = bytes
        self.offset = start
        self.lines = LineTracker(line: 1, lineStart: start)
    }

    /// Reads the next row's fields into `fields` (replacing what it held, keeping its
    /// storage: no allocation per row), or returns nil at the end of the body.
    mutating func nextRow(into fields: inout [String]) throws(SubmissionError) -> Row? {
        fields.removeAll(keepingCapacity: true)
        while let length = lineBreakLength(at: offset) {
            offset += length
            lines.startLine(at: offset)
        }
        guard offset < bytes.count else { return nil }
        let line = lines.line
        let rowStart = offset
        var rowEnd = offset
        while true {
            fields.append(try readField())
            rowEnd = offset
            // A field ends at a comma, a line break or the end of the body.
            if let length = lineBreakLength(at: offset) {
                offset += length
                lines.startLine(at: offset)
                break
            }
            guard offset < bytes.count else { break }
            offset += 1
        }
        return Row(line: line, byteCount: rowEnd - rowStart)
    }

    /// An error of this body at `location`.
    func error(_ message: String, at location: SourceLocation) -> SubmissionError {
        let record = recordIndex.map { " in record \($0)" } ?? ""
        return SubmissionError(
            code: .malformedCSV,
            message: "malformed CSV\(record) at line \(location.line), column \(location.column): \(message)",
            details: [ErrorDetail(record: recordIndex, reason: "syntax", message: message, location: location)]
        )
    }

    private mutating func readField() throws(SubmissionError) -> String {
        let start = offset
        let location = lines.location(at: offset)
        if offset < bytes.count, bytes[offset] == ASCII.quote {
            return try readQuotedField(opening: location)
        }
        var nonASCII = false
        while offset < bytes.count, bytes[offset] != ASCII.comma, lineBreakLength(at: offset) == nil {
            let byte = bytes[offset]
            if byte == ASCII.quote {
                throw error("a quote inside an unquoted field; quote the whole field and double the quote", at: lines.location(at: offset))
            }
            if byte >= 0x80 {
                nonASCII = true
                lines.passNonASCII(byte)
            }
            offset += 1
        }
        guard let field = UTF8Text.decode(bytes[start..<offset], nonASCII: nonASCII) else {
            throw error("the field is not valid UTF-8", at: location)
        }
        return field
    }

    private mutating func readQuotedField(opening: SourceLocation) throws(SubmissionError) -> String {
        offset += 1
        var field: [UInt8] = []
        var nonASCII = false
        var segmentStart = offset
        while true {
            guard offset < bytes.count else { throw error("unterminated quoted field", at: opening) }
            let byte = bytes[offset]
            offset += 1
            if byte == ASCII.quote {
                field.append(contentsOf: bytes[segmentStart..<offset - 1])
                guard offset < bytes.count, bytes[offset] == ASCII.quote else { break }
                // A doubled quote stands for one; the second one starts the next segment.
                segmentStart = offset
                offset += 1
            } else if byte == ASCII.newline {
                lines.startLine(at: offset)
            } else if byte >= 0x80 {
                nonASCII = true
                lines.passNonASCII(byte)
            }
        }
        if offset < bytes.count, bytes[offset] != ASCII.comma, lineBreakLength(at: offset) == nil {
            throw error("unexpected character after a closing quote; expected ',' or a line break", at: lines.location(at: offset))
        }
        guard let string = UTF8Text.decode(field, nonASCII: nonASCII) else {
            throw error("the field is not valid UTF-8", at: opening)
        }
        return string
    }

    /// The length of the line break at `offset` (1 for LF, 2 for CRLF), or nil when none
    /// starts there. A lone CR is data.
    private func lineBreakLength(at offset: Int) -> Int? {
        guard offset < bytes.count else { return nil }
        if bytes[offset] == ASCII.newline { return 1 }
        if bytes[offset] == ASCII.carriageReturn, offset + 1 < bytes.count, bytes[offset + 1] == ASCII.newline { return 2 }
        return nil
    }
}
