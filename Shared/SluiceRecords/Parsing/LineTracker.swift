/// Follows line and column while a reader walks UTF-8 bytes forward.
///
/// Columns count Unicode scalars, so the reader reports every UTF-8 continuation byte it
/// steps over; counting them as they pass keeps locations cheap to take for every record.
struct LineTracker {
    private(set) var line: Int
    private var lineStart: Int
    private var continuationBytes = 0

    init(line: Int, lineStart: Int) {
        self.line = line
        self.lineStart = lineStart
    }

    /// Notes that a line starts at `offset`, just past a line feed.
    mutating func startLine(at offset: Int) {
        line += 1
        lineStart = offset
        continuationBytes = 0
    }

    /// Notes a non-ASCII byte stepped over on the current line.
    mutating func passNonASCII(_ byte: UInt8) {
        if byte & 0xC0 == 0x80 { continuationBytes += 1 }
    }

    /// The location of `offset`, which must be on the current line and not before bytes
    /// already passed.
    func location(at offset: Int) -> SourceLocation {
        SourceLocation(line: line, column: offset - lineStart - continuationBytes + 1)
    }
}
