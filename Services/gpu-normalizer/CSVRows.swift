/// A problem in a CSV artifact, at a line (1-based, counting the header).
struct CSVError: Error, Equatable {
    var line: Int
    var message: String

    init(line: Int, _ message: String) {
        self.line = line
        self.message = message
    }
}

/// Splits RFC 4180 text into rows of fields. Blank lines are skipped; rows end with LF
/// or CRLF; a UTF-8 byte-order mark at the start is ignored.
struct CSVRows {
    /// Where one row is; its fields go to the caller's buffer (see ``next(into:)``).
    struct Row {
        /// The line the row starts on.
        var line: Int
        /// The row's bytes, quoting as written, without the line break.
        var bytes: Range<Int>
    }

    private let bytes: [UInt8]
    private var offset: Int
    /// The line `offset` is on.
    private(set) var line: Int

    /// Rows of `bytes`, the first on line `firstLine` (a later piece of a file starts further on).
    init(bytes: [UInt8], firstLine: Int = 1) {
        self.bytes = bytes
        line = firstLine
        offset = firstLine == 1 && bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? 3 : 0
    }

    /// Reads the next row's fields, unquoted, into `fields` (replacing what it held and
    /// keeping its storage: no allocation per row); nil at the end of the text. Without
    /// `decoding`, the row is checked and its fields counted, but each is left empty.
    mutating func next(into fields: inout [String], decoding: Bool = true) throws(CSVError) -> Row? {
        fields.removeAll(keepingCapacity: true)
        while let length = lineBreak(at: offset) {
            offset += length
            line += 1
        }
        guard offset < bytes.count else { return nil }
        let (startLine, start) = (line, offset)
        while true {
            fields.append(try field(decoding: decoding))
            if let length = lineBreak(at: offset) {
                defer {
                    offset += length
                    line += 1
                }
                return Row(line: startLine, bytes: start..<offset)
            }
            guard offset < bytes.count else { return Row(line: startLine, bytes: start..<offset) }
            offset += 1  // the comma
        }
    }

    private mutating func field(decoding: Bool) throws(CSVError) -> String {
        let start = offset
        guard offset < bytes.count, bytes[offset] == UInt8(ascii: "\"") else {
            while offset < bytes.count, bytes[offset] != UInt8(ascii: ","), lineBreak(at: offset) == nil {
                if bytes[offset] == UInt8(ascii: "\"") {
                    throw CSVError(line: line, "a quote inside an unquoted field")
                }
                offset += 1
            }
            return decoding ? String(decoding: bytes[start..<offset], as: UTF8.self) : ""
        }
        let opening = line
        offset += 1
        var field: [UInt8] = []
        var segment = offset
        while true {
            guard offset < bytes.count else { throw CSVError(line: opening, "a quoted field is never closed") }
            let byte = bytes[offset]
            offset += 1
            if byte == UInt8(ascii: "\"") {
                if decoding { field.append(contentsOf: bytes[segment..<offset - 1]) }
                // A doubled quote stands for one quote; the second starts the next segment.
                guard offset < bytes.count, bytes[offset] == UInt8(ascii: "\"") else { break }
                segment = offset
                offset += 1
            } else if byte == UInt8(ascii: "\n") {
                line += 1
            }
        }
        if offset < bytes.count, bytes[offset] != UInt8(ascii: ","), lineBreak(at: offset) == nil {
            throw CSVError(line: line, "unexpected text after a closing quote")
        }
        return String(decoding: field, as: UTF8.self)
    }

    /// 1 for LF, 2 for CRLF, nil when no line break starts at `offset` (a lone CR is data).
    private func lineBreak(at offset: Int) -> Int? {
        guard offset < bytes.count else { return nil }
        if bytes[offset] == UInt8(ascii: "\n") { return 1 }
        if bytes[offset] == UInt8(ascii: "\r"), offset + 1 < bytes.count, bytes[offset + 1] == UInt8(ascii: "\n") { return 2 }
        return nil
    }
}
