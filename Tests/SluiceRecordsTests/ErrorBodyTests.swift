import Foundation
import Testing
import SluiceRecords

@Suite struct ErrorBodyTests {
    @Test func aRejectionRendersAsTheGatewayErrorShape() throws {
        let body = "{\"data\": [\n{\"id\": 1, \"value\": 1, \"category\": \"A\"},\n{\"id\": 1, \"value\": \"x\", \"category\": \"A\"}\n]}"
        guard case .failure(let error) = submit(body, contentType: "application/json") else {
            Issue.record("accepted")
            return
        }
        let data = try JSONEncoder().encode(ErrorBody(error))
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(Array(object.keys) == ["error"])
        let content = try #require(object["error"] as? [String: Any])
        #expect(Set(content.keys) == ["code", "message", "details"])
        #expect(content["code"] as? String == "invalid_records")
        let details = try #require(content["details"] as? [[String: Any]])
        #expect(details.count == 2)
        #expect(Set(details[0].keys) == ["record", "id", "field", "reason", "message", "line", "column"])
        #expect(details[0]["reason"] as? String == "value_not_number")
        #expect(details[0]["line"] as? Int == 3)
        #expect(details[1]["reason"] as? String == "duplicate_id")
        #expect(details[1]["first_record"] as? Int == 0)
        #expect(details[1]["id"] as? Int == 1)
    }

    @Test func unknownPartsAreLeftOutAndDetailsIsAlwaysAnArray() throws {
        let error = SubmissionError(code: .unsupportedContentType, message: "no")
        let text = String(decoding: try JSONEncoder().encode(ErrorBody(error)), as: UTF8.self)
        #expect(text.contains(#""details":[]"#))
        let detail = String(decoding: try JSONEncoder().encode(ErrorDetail(field: "id")), as: UTF8.self)
        #expect(detail == #"{"field":"id"}"#)
    }

    @Test func theBodyDecodesBack() throws {
        let error = SubmissionError(code: .malformedCSV, message: "bad", details: [
            ErrorDetail(record: 4, reason: "syntax", location: SourceLocation(line: 6, column: 2)),
        ])
        let decoded = try JSONDecoder().decode(ErrorBody.self, from: JSONEncoder().encode(ErrorBody(error)))
        #expect(decoded == ErrorBody(error))
        #expect(decoded.error.details.first?.line == 6)
    }

    @Test func statusesSeparateMalformedFromInvalid() {
        #expect([SubmissionError.Code.malformedJSON, .malformedNDJSON, .malformedCSV].allSatisfy { $0.httpStatus == 400 })
        #expect([SubmissionError.Code.tooLarge, .tooManyRecords].allSatisfy { $0.httpStatus == 413 })
        #expect(SubmissionError.Code.unsupportedContentType.httpStatus == 415)
        #expect([SubmissionError.Code.invalidRequest, .invalidInputURI, .invalidConfig, .emptyBatch, .invalidRecords, .noValidRecords]
            .allSatisfy { $0.httpStatus == 422 })
    }
}
