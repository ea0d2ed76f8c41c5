import Foundation

/// What the normalizer keeps of a job's `validated.csv`: the values as one contiguous
/// array (8 bytes a record) and each record's category as an index into the distinct
/// categories (4 bytes a record). Ids and the text of every field are not kept: the
/// output copies them from the file again (``NormalizedCSV``).
struct ValidatedRecords: Sendable {
    /// The validator's artifact this stage reads.
    static let artifactName = "validated.csv"
    static let header = ["id", "value", "category"]

    var values: [Double] = []
    var categories: [UInt32] = []
    /// The distinct categories, in order of first appearance.
    var categoryNames: [String] = []

    var count: Int { values.count }

    init(values: [Double], categories: [UInt32], categoryNames: [String]) {
        (self.values, self.categories, self.categoryNames) = (values, categories, categoryNames)
    }

    /// Reads the artifact at `url` `chunkBytes` at a time: the header `id,value,category`,
    /// then one record per row, RFC 4180 quoting (a quoted field may hold commas,
    /// doubled quotes and line breaks).
    ///
    /// The validator wrote the file, so anything unexpected means it was damaged or
    /// written by something else: the error names the line and the field.
    init(url: URL, chunkBytes: Int) throws {
        var chunks = try RowChunks(url: url, chunkBytes: chunkBytes)
        var indexOf: [String: UInt32] = [:]
        let headerLine = try Self.forEachRecord(&chunks) { row, _ in
            guard Int64(row.fields[0]) != nil else {
                throw CSVError(line: row.line, "id \(Self.excerpt(row.fields[0])) is not a whole number")
            }
            guard let value = Double(row.fields[1]), value.isFinite else {
                throw CSVError(line: row.line, "value \(Self.excerpt(row.fields[1])) is not a finite number")
            }
            let category = row.fields[2]
            let index: UInt32
            if let known = indexOf[category] {
                index = known
            } else {
                index = UInt32(categoryNames.count)
                indexOf[category] = index
                categoryNames.append(category)
            }
            values.append(value)
            categories.append(index)
        }
        guard !values.isEmpty else { throw CSVError(line: headerLine, "the file has a header but no records") }
    }

    /// Checks the header, then calls `body` with each record (three fields) and the
    /// chunk it is in; returns the header's line.
    @discardableResult
    static func forEachRecord(_ chunks: inout RowChunks, _ body: (CSVRows.Row, [UInt8]) throws -> Void) throws -> Int {
        var headerLine: Int?
        while let chunk = try chunks.next() {
            var rows = CSVRows(bytes: chunk.bytes, firstLine: chunk.firstLine)
            while let row = try rows.next() {
                guard headerLine != nil else {
                    guard row.fields == header else {
                        throw CSVError(line: row.line, "expected the header \(header.joined(separator: ",")), found \(excerpt(row.fields.joined(separator: ",")))")
                    }
                    headerLine = row.line
                    continue
                }
                guard row.fields.count == 3 else {
                    throw CSVError(line: row.line, "expected 3 fields (id,value,category), found \(row.fields.count)")
                }
                try body(row, chunk.bytes)
            }
        }
        guard let headerLine else { throw CSVError(line: 1, "the file is empty; expected the header \(header.joined(separator: ","))") }
        return headerLine
    }

    private static func excerpt(_ text: String) -> String {
        text.count <= 40 ? "\"\(text)\"" : "\"\(text.prefix(40))…\""
    }
}
