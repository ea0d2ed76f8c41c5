extension SubmissionParser {
    /// Reads NDJSON: one JSON value per line, each a record. Blank lines (spaces, tabs and
    /// a carriage return at most) are skipped, so a trailing newline and CRLF are fine.
    func readNDJSON(_ bytes: [UInt8], from start: Int) throws(SubmissionError) -> [CandidateRecord] {
        var records: [CandidateRecord] = []
        var count = 0
        var line = 1
        var lineStart = start
        while lineStart < bytes.count {
            let lineEnd = bytes[lineStart...].firstIndex(of: ASCII.newline) ?? bytes.count
            let length = (lineEnd > lineStart && bytes[lineEnd - 1] == ASCII.carriageReturn) ? lineEnd - lineStart - 1 : lineEnd - lineStart
            guard length <= limits.maxLineBytes else {
                throw .lineTooLong(line: line, bytes: length, limit: limits.maxLineBytes, record: count)
            }
            var scanner = JSONScanner(bytes: bytes, range: lineStart..<lineEnd, line: line, errorCode: .malformedNDJSON)
            if scanner.skipWhitespace() != nil {
                scanner.recordIndex = count
                let candidate = try scanner.readCandidate()
                if let extra = scanner.skipWhitespace() {
                    throw scanner.error("unexpected \(scanner.describe(extra)) after the record; NDJSON has one record per line")
                }
                // Past the limit the rest is still read, for syntax errors and the count.
                if count < limits.maxRecords { records.append(candidate) }
                count += 1
            }
            line += 1
            lineStart = lineEnd + 1
        }
        guard count <= limits.maxRecords else { throw .tooManyRecords(count: count, limit: limits.maxRecords) }
        return records
    }
}
