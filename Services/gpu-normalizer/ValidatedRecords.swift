import Foundation
import SluiceNormalize
import SluiceRecords

/// What the normalizer keeps of a job's `validated.csv`: the values as one contiguous
/// array (8 bytes a record, rescaled in place by ``normalizeInPlace(_:)``) and each
/// record's category as an index into the distinct categories (4 bytes a record). Ids
/// and the text of every field are not kept: the output copies them from the file
/// again (``NormalizedCSV``).
struct ValidatedRecords: Sendable {
    /// The validator's artifact this stage reads.
    static let artifactName = "validated.csv"
    static let header = ["id", "value", "category"]

    private let column: ValueColumn
    let categories: [UInt32]
    /// The distinct categories, in order of first appearance.
    let categoryNames: [String]

    var values: [Double] { column.values }
    var count: Int { column.values.count }

    init(values: [Double], categories: [UInt32], categoryNames: [String]) {
        (column, self.categories, self.categoryNames) = (ValueColumn(values), categories, categoryNames)
    }

    /// Reads the artifact at `url` `chunkBytes` at a time: the header `id,value,category`,
    /// then one record per row, RFC 4180 quoting (a quoted field may hold commas,
    /// doubled quotes and line breaks).
    ///
    /// The validator wrote the file, so anything unexpected means it was damaged or
    /// written by something else: the error names the line and the field.
    init(url: URL, chunkBytes: Int) throws {
        // Reserving room for every line up front spares the doubling copies of a growing array.
        let lines = try RowChunks.lineCount(url: url, chunkBytes: chunkBytes)
        var values: [Double] = [], categories: [UInt32] = [], categoryNames: [String] = []
        values.reserveCapacity(lines)
        categories.reserveCapacity(lines)
        var chunks = try RowChunks(url: url, chunkBytes: chunkBytes)
        var indexOf: [String: UInt32] = [:]
        let headerLine = try Self.forEachRecord(&chunks) { row, fields, _ in
            guard Int64(fields[0]) != nil else {
                throw CSVError(line: row.line, "id \(Self.excerpt(fields[0])) is not a whole number")
            }
            guard let value = DecimalText.value(fields[1]), value.isFinite else {
                throw CSVError(line: row.line, "value \(Self.excerpt(fields[1])) is not a finite number")
            }
            let category = fields[2]
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
        self.init(values: values, categories: categories, categoryNames: categoryNames)
    }

    /// Checks the header, then calls `body` with each record (three fields, left empty
    /// without `decodingFields`, for a caller that needs only where the rows are) and the
    /// chunk it is in; returns the header's line.
    @discardableResult
    static func forEachRecord(
        _ chunks: inout RowChunks, decodingFields: Bool = true, _ body: (CSVRows.Row, [String], [UInt8]) throws -> Void
    ) throws -> Int {
        var headerLine: Int?
        var fields: [String] = []
        fields.reserveCapacity(header.count + 1)
        while let chunk = try chunks.next() {
            var rows = CSVRows(bytes: chunk.bytes, firstLine: chunk.firstLine)
            // The header is always read in full.
            while let row = try rows.next(into: &fields, decoding: decodingFields || headerLine == nil) {
                guard headerLine != nil else {
                    guard fields == header else {
                        throw CSVError(line: row.line, "expected the header \(header.joined(separator: ",")), found \(excerpt(fields.joined(separator: ",")))")
                    }
                    headerLine = row.line
                    continue
                }
                guard fields.count == 3 else {
                    throw CSVError(line: row.line, "expected 3 fields (id,value,category), found \(fields.count)")
                }
                try body(row, fields, chunk.bytes)
            }
        }
        guard let headerLine else { throw CSVError(line: 1, "the file is empty; expected the header \(header.joined(separator: ","))") }
        return headerLine
    }

    /// Rescales the values in place with `body`, which gets them as input and output at
    /// once (every method reads a value before it writes it), and returns them.
    func normalizeInPlace<E: Error>(
        _ body: (NormalizationInput, UnsafeMutableBufferPointer<Double>) throws(E) -> NormalizationSummary
    ) throws(E) -> Normalized {
        let summary = try column.values.withUnsafeMutableBufferPointer { values throws(E) in
            try categories.withUnsafeBufferPointer { categories throws(E) in
                try body(NormalizationInput(values: UnsafeBufferPointer(values), categories: categories, categoryCount: categoryNames.count), values)
            }
        }
        return Normalized(scaled: column.values, summary: summary)
    }

    private static func excerpt(_ text: String) -> String {
        text.count <= 40 ? "\"\(text)\"" : "\"\(text.prefix(40))…\""
    }
}

/// A job's values, held by reference so that normalizing them in place does not copy them.
///
/// `@unchecked Sendable`: one thread at a time touches it: the stage hands the records to
/// a thread and awaits it before the next step, and no two steps overlap.
private final class ValueColumn: @unchecked Sendable {
    var values: [Double]

    init(_ values: [Double]) {
        self.values = values
    }
}
