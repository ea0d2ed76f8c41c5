import Testing
import SluiceRecords

@Suite struct LargeBatchTests {
    @Test func aHundredThousandRecordCSVParsesCompletely() throws {
        let count = 100_000
        var body = "id,value,category\r\n"
        body.reserveCapacity(count * 24)
        for id in 1...count {
            // Quarters are exact in binary, so the sum below is exact too.
            body += "\(id),\(Double(id % 1000) / 4),\"cat, \(id % 7)\"\r\n"
        }
        let submission = try parse(body, format: .csv)
        #expect(submission.records.count == count)
        #expect(submission.records.last?.location == SourceLocation(line: count + 1, column: 1))

        let report = RecordValidator().validate(submission.records)
        #expect(report.invalid.isEmpty)
        #expect(report.valid.count == count)
        #expect(report.valid.reduce(0) { $0 + $1.id } == Int64(count) * Int64(count + 1) / 2)
        let expectedValueSum = (1...count).reduce(0.0) { $0 + Double($1 % 1000) / 4 }
        #expect(report.valid.reduce(0.0) { $0 + $1.value } == expectedValueSum)
        #expect(Set(report.valid.map(\.category)) == Set((0..<7).map { "cat, \($0)" }))
        #expect(report.valid.filter { $0.category == "cat, 3" }.count == (1...count).filter { $0 % 7 == 3 }.count)
    }
}
