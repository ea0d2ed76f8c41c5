extension SubmissionParser {
    /// Reads CSV: the header `id,value,category` exactly (names and order), then one
    /// record per row of exactly three fields, each row at most ``SubmissionLimits/maxLineBytes``. Fields stay text; the validator reads them.
    func readCSV(_ bytes: [UInt8], from start: Int) throws(SubmissionError) -> [CandidateRecord] {
        let expectedHeader = RecordField.allCases.map(\.rawValue)
        var reader = CSVReader(bytes: bytes, start: start)
        var fields: [String] = []
        fields.reserveCapacity(expectedHeader.count + 1)
        guard let header = try reader.nextRow(into: &fields) else {
            throw reader.error("the body is empty; expected the header id,value,category", at: SourceLocation(line: 1, column: 1))
        }
        guard fields == expectedHeader else {
            let found = fields.joined(separator: ",").abbreviated
            throw reader.error("the header must be exactly id,value,category; found \(found)", at: SourceLocation(line: header.line, column: 1))
        }
        var records: [CandidateRecord] = []
        // Room for every row at once: growing a large array by doubling copies it and
        // touches fresh memory at each step (a third of the time at ten million rows).
        records.reserveCapacity(min(Self.lineFeeds(in: bytes, from: start), limits.maxRecords))
        var count = 0
        while true {
            reader.recordIndex = count
            guard let row = try reader.nextRow(into: &fields) else { break }
            let location = SourceLocation(line: row.line, column: 1)
            guard row.byteCount <= limits.maxLineBytes else {
                throw .lineTooLong(line: row.line, bytes: row.byteCount, limit: limits.maxLineBytes, record: count)
            }
            guard fields.count == expectedHeader.count else {
                throw reader.error("expected 3 fields (id,value,category); found \(fields.count)", at: location)
            }
            // Past the limit the rest is still read, for syntax errors and the count.
            if count < limits.maxRecords {
                records.append(CandidateRecord(id: .text(fields[0]), value: .text(fields[1]), category: .text(fields[2]), location: location))
            }
            count += 1
        }
        guard count <= limits.maxRecords else { throw .tooManyRecords(count: count, limit: limits.maxRecords) }
        return records
    }

    /// The line feeds in `bytes` from `start`: one more than the rows after the header, at most.
    static func lineFeeds(in bytes: [UInt8], from start: Int) -> Int {
        bytes.withUnsafeBytes { LineFeeds.count(in: UnsafeRawBufferPointer(rebasing: $0[start...])) }
    }
}
