import Testing
import SluiceRecords

@Suite struct ParserDetailTests {
    @Test func unknownRecordFieldsAreAllowedAndCounted() throws {
        let body = #"{"data": [{"id": 1, "value": 1, "category": "A", "note": "x", "tags": [1, {"a": 2}]}, {"id": 2, "value": 2, "category": "B"}]}"#
        let submission = try parse(body, format: .json)
        #expect(submission.records[0].unknownFields == ["note", "tags"])
        let report = RecordValidator().validate(submission.records)
        #expect(report.valid.count == 2)
        #expect(report.quality.recordsWithUnknownFields == 1)
    }

    @Test func envelopeKeysAreAllowedAtTheTopLevel() throws {
        let body = #"{"job_id": "0d6c…", "message_id": "m-1", "reply_to": "amq.gen-1", "input_uri": "uploads/2024/batch.csv"}"#
        let submission = try parse(body, format: .json)
        #expect(submission.inputURI == "uploads/2024/batch.csv")
        #expect(submission.records.isEmpty)
    }

    @Test(arguments: ["/etc/passwd", "s3://bucket/x.csv", "a/../../b.csv", "a\\b.csv", "", "a\nb.csv"])
    func unsafeInputPathsAreRefused(path: String) throws {
        let body = try Bodies.jsonObject(["input_uri": path])
        #expect {
            try parse(body, format: .json)
        } throws: { error in
            (error as? SubmissionError)?.code == .invalidInputURI
        }
    }

    @Test func escapesDecode() throws {
        let body = #"{"id": 1, "value": 1, "category": "\u00e9\ud83d\ude00\"\\\/\b\f\n\r\t"}"#
        let candidate = try #require(try parse(body, format: .ndjson).records.first)
        #expect(candidate.category == .string("é😀\"\\/\u{8}\u{C}\n\r\t"))
    }

    @Test func numbersKeepTheirLiteral() throws {
        let body = #"{"id": -0, "value": -1.25E+3, "category": "A"}"#
        let candidate = try #require(try parse(body, format: .ndjson).records.first)
        #expect(candidate.id == .number("-0"))
        #expect(candidate.value == .number("-1.25E+3"))
        #expect(RecordValidator().validate([candidate]).valid == [Record(id: 0, value: -1250, category: "A")])
    }

    @Test func columnsCountCharactersNotBytes() {
        let body = #"{"id": 1, "value": 1, "category": "ééé" x}"#
        #expect {
            try parse(body, format: .ndjson)
        } throws: { error in
            (error as? SubmissionError)?.details.first?.column == 41
        }
    }

    @Test func csvLinesCountBreaksInsideQuotes() throws {
        let body = "id,value,category\n1,1,\"two\nlines\"\n2,2,\"say \"\"hi\"\"\"\n"
        let records = try parse(body, format: .csv).records
        #expect(records.map(\.location?.line) == [2, 4])
        #expect(records.map(\.category) == [.text("two\nlines"), .text("say \"hi\"")])
    }

    @Test func csvAcceptsQuotedHeaderNamesAndNumbers() throws {
        let body = "\"id\",\"value\",\"category\"\n\"1\",\"2.5\",\"A\"\n"
        #expect(submit(body, contentType: "text/csv") == .success([Record(id: 1, value: 2.5, category: "A")]))
    }

    @Test func csvNumberNotation() {
        let body = "id,value,category\n1,+2.5,A\n2,.5,A\n3,5.,A\n4,1E-2,A\n007,-0,A\n"
        #expect(submit(body, contentType: "text/csv") == .success([
            Record(id: 1, value: 2.5, category: "A"),
            Record(id: 2, value: 0.5, category: "A"),
            Record(id: 3, value: 5, category: "A"),
            Record(id: 4, value: 0.01, category: "A"),
            Record(id: 7, value: 0, category: "A"),
        ]))
    }

    @Test func aCategoryOfExactlyTheLimitIsValid() {
        let category = String(repeating: "é", count: 128)
        let candidate = CandidateRecord(id: .number("1"), value: .number("1"), category: .string(category))
        #expect(RecordValidator().validate([candidate]).valid.first?.category == category)
        let tighter = RecordValidator(limits: SubmissionLimits(maxCategoryBytes: 255)).validate([candidate])
        #expect(tighter.invalid.first?.reasons == [.categoryTooLong(bytes: 256, limit: 255)])
    }

    @Test(arguments: [SubmissionFormat.json, .ndjson, .csv])
    func invalidUTF8IsMalformed(format: SubmissionFormat) {
        let prefix: [UInt8] = switch format {
        case .json: Array(#"{"data": [{"id": 1, "value": 1, "category": ""#.utf8)
        case .ndjson: Array(#"{"id": 1, "value": 1, "category": ""#.utf8)
        case .csv: Array("id,value,category\n1,1,".utf8)
        }
        let suffix: [UInt8] = switch format {
        case .json: Array(#""}]}"#.utf8)
        case .ndjson: Array(#""}"#.utf8)
        case .csv: Array("\n".utf8)
        }
        #expect {
            try SubmissionParser().parse(prefix + [0xC3, 0x28] + suffix, format: format)
        } throws: { error in
            let error = error as? SubmissionError
            return error?.code.httpStatus == 400 && error?.details.first?.reason == "syntax" && error?.details.first?.record == 0
        }
    }

    @Test func deepNestingIsRefusedWithoutExhaustingTheStack() {
        let body = #"{"id": 1, "value": 1, "category": "#
            + String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000) + "}"
        // A line limit above the line's length, so that the nesting is what is refused.
        #expect {
            try parse(body, format: .ndjson, limits: SubmissionLimits(maxLineBytes: 1 << 20))
        } throws: { error in
            (error as? SubmissionError)?.message.contains("nest more than 128 levels") == true
        }
    }

    @Test(arguments: [
        ("application/json", SubmissionFormat.json),
        ("Application/JSON; charset=UTF-8", .json),
        ("application/x-ndjson", .ndjson),
        ("application/ndjson; charset=\"utf-8\"", .ndjson),
        ("text/csv; header=present", .csv),
    ])
    func contentTypes(contentType: String, format: SubmissionFormat) throws {
        #expect(try SubmissionFormat(contentType: contentType) == format)
    }
}
