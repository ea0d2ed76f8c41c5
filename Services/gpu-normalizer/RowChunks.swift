import Foundation
import SluiceRecords

/// Reads a CSV file a chunk at a time, each chunk ending at a row boundary (a line
/// break outside quotes), so memory stays bounded by the chunk size whatever the
/// file's size. A row longer than a chunk simply grows the chunk until it ends.
struct RowChunks {
    /// Whole rows, and the line the first of them is on.
    struct Chunk {
        var bytes: [UInt8]
        var firstLine: Int
    }

    private let file: FileHandle
    private let chunkBytes: Int
    private var pending: [UInt8] = []
    private var line = 1
    private var atEnd = false

    init(url: URL, chunkBytes: Int) throws {
        file = try FileHandle(forReadingFrom: url)
        self.chunkBytes = chunkBytes
    }

    /// The next chunk of whole rows; nil at the end of the file. The last chunk holds
    /// whatever is left, so the parser reports an unclosed quote there.
    mutating func next() throws -> Chunk? {
        while !atEnd {
            let data = try file.read(upToCount: chunkBytes) ?? Data()
            atEnd = data.isEmpty
            pending.append(contentsOf: data)
            if let end = Self.lastRowEnd(pending) {
                let chunk = Chunk(bytes: Array(pending[..<end]), firstLine: line)
                pending.removeSubrange(..<end)
                line += chunk.bytes.count { $0 == UInt8(ascii: "\n") }
                return chunk
            }
        }
        guard !pending.isEmpty else {
            try file.close()
            return nil
        }
        defer { pending = [] }
        return Chunk(bytes: pending, firstLine: line)
    }

    /// How many LFs the file holds: at least as many as its records.
    static func lineCount(url: URL, chunkBytes: Int) throws -> Int {
        let file = try FileHandle(forReadingFrom: url)
        defer { try? file.close() }
        var lines = 0
        while let data = try file.read(upToCount: chunkBytes), !data.isEmpty {
            lines += data.withUnsafeBytes(LineFeeds.count(in:))
        }
        return lines
    }

    /// Just past the last LF outside quotes (quotes pair up in RFC 4180, doubled ones too).
    private static func lastRowEnd(_ bytes: [UInt8]) -> Int? {
        var inQuotes = false
        var end: Int?
        for (index, byte) in bytes.enumerated() {
            if byte == UInt8(ascii: "\"") {
                inQuotes.toggle()
            } else if byte == UInt8(ascii: "\n"), !inQuotes {
                end = index + 1
            }
        }
        return end
    }
}
