/// A JSON reader over UTF-8 bytes that keeps numbers as their literal text and knows the
/// line and column of everything it reads.
///
/// Hand-written because JSONSerialization turns `1.0` and `true` into NSNumbers that are
/// easy to mistake for the integer `1`, and reports no positions. It reads one value at a
/// time and keeps nested containers only as their kind, so records become candidates one
/// by one and a body is never held as a tree.
struct JSONScanner {
    /// How deeply arrays and objects may nest; bounds the recursion a hostile body can cause.
    static let maxDepth = 128

    let bytes: [UInt8]
    let end: Int
    var offset: Int
    var lines: LineTracker
    var depth = 0
    /// The record being read, named in syntax errors.
    var recordIndex: Int?
    private let errorCode: SubmissionError.Code

    /// A scanner over `range` of `bytes`, which starts on `line`; syntax errors carry
    /// `errorCode` (`malformed_json` or `malformed_ndjson`).
    init(bytes: [UInt8], range: Range<Int>, line: Int = 1, errorCode: SubmissionError.Code = .malformedJSON) {
        self.bytes = bytes
        self.end = range.upperBound
        self.offset = range.lowerBound
        self.lines = LineTracker(line: line, lineStart: range.lowerBound)
        self.errorCode = errorCode
    }

    /// Where the scanner is.
    var location: SourceLocation { lines.location(at: offset) }

    /// Steps over whitespace and returns the byte after it, or nil at the end.
    @discardableResult
    mutating func skipWhitespace() -> UInt8? {
        while offset < end {
            switch bytes[offset] {
            case ASCII.space, ASCII.tab, ASCII.carriageReturn:
                offset += 1
            case ASCII.newline:
                offset += 1
                lines.startLine(at: offset)
            default:
                return bytes[offset]
            }
        }
        return nil
    }

    /// Requires that nothing but whitespace is left.
    mutating func expectEnd() throws(SubmissionError) {
        if skipWhitespace() != nil {
            throw error("unexpected \(describe(bytes[offset])) after the end of the JSON value")
        }
    }

    /// Reads any value; arrays and objects are checked and kept only as their kind.
    mutating func readValue() throws(SubmissionError) -> RawField {
        guard let byte = skipWhitespace() else {
            throw error("unexpected end of input; expected a value")
        }
        switch byte {
        case ASCII.openBrace:
            try beginObject()
            var first = true
            while try nextKey(first: first) != nil {
                first = false
                _ = try readValue()
            }
            return .object
        case ASCII.openBracket:
            try beginArray()
            var first = true
            while try nextElement(first: first) {
                first = false
                _ = try readValue()
            }
            return .array
        case ASCII.quote:
            return .string(try readString())
        case ASCII.minus, ASCII.zero...ASCII.nine:
            return .number(try readNumber())
        case ASCII.lowerT:
            try readLiteral("true")
            return .bool(true)
        case ASCII.lowerF:
            try readLiteral("false")
            return .bool(false)
        case ASCII.lowerN:
            try readLiteral("null")
            return .null
        case ASCII.upperN, ASCII.upperI:
            throw error("NaN and Infinity are not JSON; values must be finite numbers")
        default:
            throw error("unexpected \(describe(byte)); expected a value")
        }
    }

    private mutating func readLiteral(_ word: String) throws(SubmissionError) {
        let expected = Array(word.utf8)
        guard bytes[offset..<end].starts(with: expected) else {
            throw error("unexpected characters; expected \(word)")
        }
        offset += expected.count
    }

    /// A syntax error at `location`, or where the scanner is.
    func error(_ message: String, at location: SourceLocation? = nil) -> SubmissionError {
        let location = location ?? self.location
        let format = errorCode == .malformedNDJSON ? "NDJSON" : "JSON"
        let record = recordIndex.map { " in record \($0)" } ?? ""
        return SubmissionError(
            code: errorCode,
            message: "malformed \(format)\(record) at line \(location.line), column \(location.column): \(message)",
            details: [ErrorDetail(record: recordIndex, reason: "syntax", message: message, location: location)]
        )
    }

    /// Names a byte in an error message.
    func describe(_ byte: UInt8) -> String {
        (0x21...0x7E).contains(byte) ? "'\(Character(Unicode.Scalar(byte)))'" : "byte 0x\(String(byte, radix: 16, uppercase: true))"
    }
}
