import Foundation
import SluiceRecords

/// The records of a job's `validated.csv`, column by column, so that the values are
/// one contiguous array for the arithmetic (and, later, for a copy to a device).
struct ValidatedRecords: Sendable, Equatable {
    /// The validator's artifact this stage reads.
    static let artifactName = "validated.csv"
    static let header = ["id", "value", "category"]

    var ids: [Int64] = []
    var values: [Double] = []
    var categories: [String] = []

    var count: Int { values.count }

    /// Parses the artifact: the header `id,value,category`, then one record per row,
    /// RFC 4180 quoting (a quoted field may hold commas, doubled quotes and line breaks).
    ///
    /// The validator wrote the file, so anything unexpected means it was damaged or
    /// written by something else: the error names the file, the line and the field.
    init(csv bytes: [UInt8]) throws(CSVError) {
        var reader = CSVRows(bytes: bytes)
        guard let header = try reader.next() else {
            throw CSVError(line: 1, "the file is empty; expected the header \(Self.header.joined(separator: ","))")
        }
        guard header.fields == Self.header else {
            throw CSVError(line: header.line, "expected the header \(Self.header.joined(separator: ",")), found \(Self.excerpt(header.fields.joined(separator: ",")))")
        }
        while let row = try reader.next() {
            guard row.fields.count == 3 else {
                throw CSVError(line: row.line, "expected 3 fields (id,value,category), found \(row.fields.count)")
            }
            guard let id = Int64(row.fields[0]) else {
                throw CSVError(line: row.line, "id \(Self.excerpt(row.fields[0])) is not a whole number")
            }
            guard let value = Double(row.fields[1]), value.isFinite else {
                throw CSVError(line: row.line, "value \(Self.excerpt(row.fields[1])) is not a finite number")
            }
            ids.append(id)
            values.append(value)
            categories.append(row.fields[2])
        }
        guard !values.isEmpty else { throw CSVError(line: header.line, "the file has a header but no records") }
    }

    private static func excerpt(_ text: String) -> String {
        text.count <= 40 ? "\"\(text)\"" : "\"\(text.prefix(40))…\""
    }
}

/// `normalized.csv`, what the spark-runner reads: header `id,value,category,z`, the
/// records in the order of `validated.csv`, numbers in shortest round-trip form.
enum NormalizedCSV {
    static let artifactName = "normalized.csv"

    static func encode(_ records: ValidatedRecords, scaled: [Double]) -> Data {
        var text = "id,value,category,z\n"
        text.reserveCapacity(records.count * 48)
        for index in 0..<records.count {
            // `description` of a Double is the shortest text that reads back as the same Double.
            text += "\(records.ids[index]),\(records.values[index]),\(CSVField.quoted(records.categories[index])),\(scaled[index])\n"
        }
        return Data(text.utf8)
    }

}

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
    struct Row {
        var fields: [String]
        /// The line the row starts on.
        var line: Int
    }

    private let bytes: [UInt8]
    private var offset: Int
    private var line = 1

    init(bytes: [UInt8]) {
        self.bytes = bytes
        offset = bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? 3 : 0
    }

    mutating func next() throws(CSVError) -> Row? {
        while let length = lineBreak(at: offset) {
            offset += length
            line += 1
        }
        guard offset < bytes.count else { return nil }
        let startLine = line
        var fields: [String] = []
        while true {
            fields.append(try field())
            if let length = lineBreak(at: offset) {
                offset += length
                line += 1
                break
            }
            guard offset < bytes.count else { break }
            offset += 1  // the comma
        }
        return Row(fields: fields, line: startLine)
    }

    private mutating func field() throws(CSVError) -> String {
        let start = offset
        guard offset < bytes.count, bytes[offset] == UInt8(ascii: "\"") else {
            while offset < bytes.count, bytes[offset] != UInt8(ascii: ","), lineBreak(at: offset) == nil {
                if bytes[offset] == UInt8(ascii: "\"") {
                    throw CSVError(line: line, "a quote inside an unquoted field")
                }
                offset += 1
            }
            return String(decoding: bytes[start..<offset], as: UTF8.self)
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
                field.append(contentsOf: bytes[segment..<offset - 1])
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
