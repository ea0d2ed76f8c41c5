/// Reads one part of a ``RecordParquet`` artifact back into columns, checking as it goes:
/// the magic at both ends, the footer, the schema against the fixed one, and every page's
/// bounds, so a truncated or damaged part gives a ``ParquetError`` naming the part, the
/// column and the byte, never a crash or wrong values.
///
/// In two steps, so that the parts of an artifact are decoded straight into the
/// artifact's columns, each at its place, on every core: ``layout(withZ:)`` reads the
/// footer (how many rows), ``read(_:into:)`` the pages.
struct ParquetPartReader: Sendable {
    private let bytes: [UInt8]
    private let name: String

    init(bytes: [UInt8], name: String) {
        self.bytes = bytes
        self.name = name
    }

    /// The part's row groups as its footer describes them, checked against the schema.
    struct Layout: Sendable {
        let columns: [ParquetFormat.Column]
        let rowGroups: [(rows: Int, chunks: [ThriftStruct])]
        var rows: Int { rowGroups.reduce(0) { $0 + $1.rows } }
    }

    /// Where a part's rows go: pointers to its first row in each of the artifact's
    /// columns, with room for ``Layout/rows`` rows (`z` only when it is read).
    struct Destination {
        let ids: UnsafeMutablePointer<Int64>
        let values: UnsafeMutablePointer<Double>
        let codes: UnsafeMutablePointer<UInt32>
        let z: UnsafeMutablePointer<Double>?
    }

    func layout(withZ: Bool) throws(ParquetError) -> Layout {
        let footer = try footer()
        let expected = ParquetFormat.recordColumns + (withZ ? [ParquetFormat.z] : [])
        let schemaColumns = try checkSchema(footer, wanting: expected)
        guard let rowGroups = footer.structs(4) else { throw failure("the footer lists no row groups") }
        var groups: [(rows: Int, chunks: [ThriftStruct])] = []
        for (groupIndex, group) in rowGroups.enumerated() {
            // Each row holds at least its 8-byte id: a damaged count cannot size the columns past the file.
            guard let rows = group.int(3), rows >= 0, rows <= Int64(bytes.count / 8), let chunks = group.structs(1), chunks.count == schemaColumns else {
                throw failure("row group \(groupIndex) does not describe its rows and \(schemaColumns) columns")
            }
            groups.append((Int(rows), chunks))
        }
        return Layout(columns: expected, rowGroups: groups)
    }

    /// Decodes the pages of every row group into `destination`; returns the part's
    /// category names, which the codes written index (each row group's dictionary after
    /// the one before).
    func read(_ layout: Layout, into destination: Destination) throws(ParquetError) -> [String] {
        var names: [String] = []
        var row = 0
        for (rows, chunks) in layout.rowGroups {
            try readPlain(chunks[0], column: layout.columns[0], rows: rows, into: destination.ids + row)
            try readPlain(chunks[1], column: layout.columns[1], rows: rows, into: destination.values + row)
            try readCategories(chunks[2], rows: rows, into: destination.codes + row, names: &names)
            if let z = destination.z { try readPlain(chunks[3], column: layout.columns[3], rows: rows, into: z + row) }
            row += rows
        }
        return names
    }

    // MARK: - Footer and schema

    private func footer() throws(ParquetError) -> ThriftStruct {
        let magic = ParquetFormat.magic
        guard bytes.count >= 12, Array(bytes[0..<4]) == magic else {
            throw failure("is not a Parquet file (\(bytes.count) bytes, no PAR1 at its start)")
        }
        guard Array(bytes[(bytes.count - 4)...]) == magic else {
            throw failure("is truncated or damaged: no PAR1 at its end (\(bytes.count) bytes)")
        }
        let at = bytes.count - 8
        let length = Int(bytes[at]) | Int(bytes[at + 1]) << 8 | Int(bytes[at + 2]) << 16 | Int(bytes[at + 3]) << 24
        guard length > 0, length <= at - 4 else { throw failure("is damaged: a footer of \(length) bytes does not fit in \(bytes.count)") }
        var reader = CompactReader(bytes, from: at - length, to: at)
        do { return try reader.readStruct() } catch {
            throw failure("is damaged: its footer cannot be read (\(error))")
        }
    }

    /// Checks the schema's columns against `expected` (in order, with their types; `z`
    /// may be there when not wanted); returns how many columns the part has.
    private func checkSchema(_ footer: ThriftStruct, wanting expected: [ParquetFormat.Column]) throws(ParquetError) -> Int {
        guard let schema = footer.structs(2), schema.count >= 2 else { throw failure("has no schema") }
        let leaves = schema.dropFirst()
        let found = leaves.map { "\($0.string(4) ?? "?")" }
        let wanted = expected.map(\.name)
        guard found.count >= wanted.count, Array(found.prefix(wanted.count)) == wanted,
              found.count <= ParquetFormat.recordColumns.count + 1
        else {
            throw failure("has the columns \(found.joined(separator: ",")), expected \(wanted.joined(separator: ","))")
        }
        for (leaf, column) in zip(leaves, expected) {
            guard leaf.int(1) == Int64(column.type.rawValue), leaf.int(3) == Int64(ParquetFormat.required) else {
                throw failure("column \(column.name) is not a required \(column.type)")
            }
        }
        return found.count
    }

    // MARK: - Column chunks

    /// The chunk's metadata, checked: its type, no compression, its row count; returns
    /// where its pages start and end.
    private func chunkRange(_ chunk: ThriftStruct, column: ParquetFormat.Column, rows: Int) throws(ParquetError) -> Range<Int> {
        guard let meta = chunk.structure(3), let dataOffset = meta.int(9), let size = meta.int(7) else {
            throw failure("column \(column.name): no column metadata")
        }
        guard meta.int(4) == Int64(ParquetFormat.uncompressed) else {
            throw failure("column \(column.name): compressed with codec \(meta.int(4) ?? -1); Sluice's parts are uncompressed")
        }
        guard meta.int(5) == Int64(rows) else { throw failure("column \(column.name): \(meta.int(5) ?? -1) values for \(rows) rows") }
        let start = Int(meta.int(11) ?? dataOffset)
        guard start >= 4, size >= 0, Int(size) <= bytes.count - 8 - start else {
            throw failure("column \(column.name): its pages (bytes \(start)+\(size)) run past the end of the file; truncated?")
        }
        return start..<(start + Int(size))
    }

    /// One page's header and where its body lies.
    private func page(at offset: inout Int, in range: Range<Int>, column: ParquetFormat.Column) throws(ParquetError) -> (header: ThriftStruct, body: Range<Int>) {
        var reader = CompactReader(bytes, from: offset, to: range.upperBound)
        let header: ThriftStruct
        do { header = try reader.readStruct() } catch {
            throw failure("column \(column.name): the page header at byte \(offset) cannot be read (\(error)); truncated?")
        }
        guard let size = header.int(3), size >= 0, Int(size) <= range.upperBound - reader.offset, header.int(2) == size else {
            throw failure("column \(column.name): the page at byte \(offset) runs past its column chunk; truncated?")
        }
        let body = reader.offset..<(reader.offset + Int(size))
        offset = body.upperBound
        return (header, body)
    }

    private func readPlain<Value: BitwiseCopyable>(_ chunk: ThriftStruct, column: ParquetFormat.Column, rows: Int, into out: UnsafeMutablePointer<Value>) throws(ParquetError) {
        let range = try chunkRange(chunk, column: column, rows: rows)
        // The pages are checked first, then copied in one go.
        var pages: [Range<Int>] = []
        var offset = range.lowerBound, read = 0
        while read < rows {
            let (header, body) = try page(at: &offset, in: range, column: column)
            guard header.int(1) == Int64(ParquetFormat.PageType.dataPage.rawValue), let data = header.structure(5),
                  data.int(2) == Int64(ParquetFormat.Encoding.plain.rawValue), let count = data.int(1), count >= 0
            else { throw failure("column \(column.name): the page at byte \(body.lowerBound) is not a PLAIN data page") }
            guard Int(count) <= rows - read, body.count == Int(count) * MemoryLayout<Value>.size else {
                throw failure("column \(column.name): the page at byte \(body.lowerBound) holds \(body.count) bytes for \(count) values")
            }
            pages.append(body)
            read += Int(count)
        }
        let target = UnsafeMutableRawPointer(out)
        bytes.withUnsafeBytes { source in
            var at = 0
            for page in pages {
                (target + at).copyMemory(from: source.baseAddress! + page.lowerBound, byteCount: page.count)
                at += page.count
            }
        }
    }

    private func readCategories(_ chunk: ThriftStruct, rows: Int, into codes: UnsafeMutablePointer<UInt32>, names: inout [String]) throws(ParquetError) {
        let column = ParquetFormat.recordColumns[2]
        let range = try chunkRange(chunk, column: column, rows: rows)
        var offset = range.lowerBound
        let (dictionaryHeader, dictionaryBody) = try page(at: &offset, in: range, column: column)
        guard dictionaryHeader.int(1) == Int64(ParquetFormat.PageType.dictionaryPage.rawValue),
              let entries = dictionaryHeader.structure(7)?.int(1), entries >= 0
        else { throw failure("column category: no dictionary page at byte \(range.lowerBound)") }
        // Each part has its own dictionary: its codes are shifted past the names read so far.
        let base = UInt32(names.count)
        var at = dictionaryBody.lowerBound
        for _ in 0..<entries {
            guard dictionaryBody.upperBound - at >= 4 else { throw failure("column category: the dictionary ends early") }
            let length = Int(bytes[at]) | Int(bytes[at + 1]) << 8 | Int(bytes[at + 2]) << 16 | Int(bytes[at + 3]) << 24
            at += 4
            guard length <= dictionaryBody.upperBound - at else { throw failure("column category: a dictionary entry runs past its page") }
            names.append(String(decoding: bytes[at..<(at + length)], as: UTF8.self))
            at += length
        }
        var decoded = 0
        while decoded < rows {
            let (header, body) = try page(at: &offset, in: range, column: column)
            guard header.int(1) == Int64(ParquetFormat.PageType.dataPage.rawValue), let data = header.structure(5),
                  [ParquetFormat.Encoding.plainDictionary, .rleDictionary].map({ Int64($0.rawValue) }).contains(data.int(2)),
                  let count = data.int(1), count >= 0, Int(count) <= rows - decoded
            else { throw failure("column category: the page at byte \(body.lowerBound) is not a dictionary-coded data page of this row group") }
            let page = UnsafeMutableBufferPointer(start: codes + decoded, count: Int(count))
            do { try DictionaryIndices.decode(bytes, body, dictionarySize: Int(entries), into: page) } catch {
                throw failure("column category: the page at byte \(body.lowerBound) is damaged: \(error.reason)")
            }
            decoded += Int(count)
        }
        if base > 0 { for index in 0..<rows { codes[index] += base } }
    }

    private func failure(_ reason: String) -> ParquetError {
        ParquetError(part: name, reason)
    }
}
