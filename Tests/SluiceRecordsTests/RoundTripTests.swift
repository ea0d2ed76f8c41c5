import Testing
import SluiceRecords

/// Records that exercise quoting, escaping, Unicode and number notation.
private let records: [Record] = [
    Record(id: 1, value: 10.5, category: "A"),
    Record(id: -9_223_372_036_854_775_808, value: -0.000_012_5, category: "comma, inside"),
    Record(id: 9_223_372_036_854_775_807, value: 1e300, category: "say \"hi\""),
    Record(id: 0, value: 0, category: "line\nbreak"),
    Record(id: 42, value: 123_456_789.125, category: "naïve ☃ 🎉"),
    Record(id: 7, value: -3, category: "  spaced  "),
    Record(id: 8, value: 0.1, category: "back\\slash\ttab"),
]

@Suite struct RoundTripTests {
    @Test func json() throws {
        #expect(submit(try Bodies.json(records), contentType: "application/json") == .success(records))
    }

    @Test func ndjson() throws {
        #expect(submit(try Bodies.ndjson(records), contentType: "application/x-ndjson") == .success(records))
    }

    @Test func ndjsonWithCRLFAndNoTrailingNewline() throws {
        let body = try Bodies.ndjson(records).split(separator: "\n").joined(separator: "\r\n")
        #expect(submit(body, contentType: "application/ndjson") == .success(records))
    }

    @Test(arguments: ["\n", "\r\n"])
    func csv(lineBreak: String) {
        #expect(submit(Bodies.csv(records, lineBreak: lineBreak), contentType: "text/csv") == .success(records))
    }

    @Test func csvWithByteOrderMark() {
        let body = [0xEF, 0xBB, 0xBF] + Array(Bodies.csv(records, lineBreak: "\r\n").utf8)
        #expect(submit(body, contentType: "text/csv; charset=utf-8") == .success(records))
    }

    @Test func jsonWithByteOrderMark() throws {
        let body = [0xEF, 0xBB, 0xBF] + Array(try Bodies.json(records).utf8)
        #expect(submit(body, contentType: "application/json") == .success(records))
    }

    @Test func everyFormatGivesTheSameCandidateFields() throws {
        let fromJSON = try parse(try Bodies.json(records), format: .json).records
        let fromNDJSON = try parse(try Bodies.ndjson(records), format: .ndjson).records
        let fromCSV = try parse(Bodies.csv(records), format: .csv).records
        #expect(fromJSON.map(\.category) == records.map { .string($0.category) })
        #expect(fromNDJSON.map(\.category) == fromJSON.map(\.category))
        #expect(fromCSV.map(\.category) == records.map { .text($0.category) })
    }
}
