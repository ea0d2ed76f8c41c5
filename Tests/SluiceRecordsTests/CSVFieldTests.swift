import Testing
import SluiceRecords

@Suite struct CSVFieldTests {
    @Test(arguments: ["plain", "a,b", "say \"hi\"", "line\nbreak", "crlf\r\npair", "é, ünï"])
    func aQuotedFieldReadsBackAsItWas(_ category: String) throws {
        let body = "id,value,category\n1,2.5,\(CSVField.quoted(category))\n"
        let submission = try SubmissionParser().parse(Array(body.utf8), format: .csv)
        let records = try #require(RecordValidator().validate(submission.records).valid.first)
        #expect(records.category == category)
    }

    @Test func plainFieldsAreLeftAlone() {
        #expect(CSVField.quoted("A") == "A")
        #expect(CSVField.quoted("crlf\r\npair") == "\"crlf\r\npair\"")
    }
}
