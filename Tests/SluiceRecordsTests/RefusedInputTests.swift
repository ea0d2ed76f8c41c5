import Testing
import SluiceRecords

/// One refused input: the body, how it is sent, and exactly what the refusal must say.
struct Refusal: Sendable, CustomTestStringConvertible {
    var name: String
    var contentType: String
    var body: String
    var code: SubmissionError.Code
    /// The first detail of the error; all nil when the error must have no details.
    var located: Located
    var limits = SubmissionLimits()

    var testDescription: String { name }
}

/// A JSON batch whose record 1 (line 3, column 1) is `record`.
private func jsonBatch(_ record: String) -> String {
    "{\"data\": [\n{\"id\": 1, \"value\": 1.5, \"category\": \"A\"},\n\(record)\n]}"
}

/// An NDJSON batch whose record 1 (line 2) is `line`.
private func ndjsonBatch(_ line: String) -> String {
    "{\"id\": 1, \"value\": 1.5, \"category\": \"A\"}\n\(line)\n"
}

/// A CSV batch whose record 1 (line 3) is `row`.
private func csvBatch(_ row: String) -> String {
    "id,value,category\n1,1.5,A\n\(row)\n"
}

private let json = "application/json"
private let ndjson = "application/x-ndjson"
private let csv = "text/csv"
private let longCategory = String(repeating: "é", count: 129)

/// Record 1 of a JSON batch is invalid because of `field`, for `reason`.
private func jsonRecord(_ name: String, _ record: String, _ field: String?, _ reason: String, id: Int64? = nil) -> Refusal {
    Refusal(name: name, contentType: json, body: jsonBatch(record), code: .invalidRecords,
            located: Located(record: 1, id: id, field: field, reason: reason, line: 3, column: 1))
}

/// Record 1 of a CSV batch is invalid because of `field`, for `reason`.
private func csvRow(_ name: String, _ row: String, _ field: String, _ reason: String, id: Int64? = nil) -> Refusal {
    Refusal(name: name, contentType: csv, body: csvBatch(row), code: .invalidRecords,
            located: Located(record: 1, id: id, field: field, reason: reason, line: 3, column: 1))
}

private let refusals: [Refusal] = [
    // JSON that cannot be read.
    Refusal(name: "JSON missing comma", contentType: json, body: jsonBatch(#"{"id": 2, "value": 2.5 "category": "B"}"#),
            code: .malformedJSON, located: Located(record: 1, reason: "syntax", line: 3, column: 24)),
    Refusal(name: "JSON truncated after a record", contentType: json, body: #"{"data": [{"id": 1, "value": 1.5, "category": "A"}"#,
            code: .malformedJSON, located: Located(reason: "syntax", line: 1, column: 51)),
    Refusal(name: "JSON truncated inside a string", contentType: json, body: #"{"data": [{"id": 1, "value": 1.5, "category": "A"#,
            code: .malformedJSON, located: Located(record: 0, reason: "syntax", line: 1, column: 47)),
    Refusal(name: "JSON trailing comma in data", contentType: json, body: #"{"data": [{"id": 1, "value": 1.5, "category": "A"},]}"#,
            code: .malformedJSON, located: Located(reason: "syntax", line: 1, column: 52)),
    Refusal(name: "JSON bare NaN", contentType: json, body: jsonBatch(#"{"id": 2, "value": NaN, "category": "B"}"#),
            code: .malformedJSON, located: Located(record: 1, reason: "syntax", line: 3, column: 20)),
    Refusal(name: "JSON lone surrogate escape", contentType: json, body: jsonBatch(#"{"id": 2, "value": 2.5, "category": "\ud800"}"#),
            code: .malformedJSON, located: Located(record: 1, reason: "syntax", line: 3, column: 38)),
    Refusal(name: "JSON malformed wins over an unknown key", contentType: json, body: #"{"unknown": 1, "data": ["#,
            code: .malformedJSON, located: Located(reason: "syntax", line: 1, column: 25)),

    // JSON of the wrong shape.
    Refusal(name: "JSON top level is an array", contentType: json, body: #"[{"id": 1, "value": 1.5, "category": "A"}]"#,
            code: .invalidRequest, located: Located(reason: "wrong_type", line: 1, column: 1)),
    Refusal(name: "JSON data is an object", contentType: json, body: #"{"data": {"id": 1}}"#,
            code: .invalidRequest, located: Located(field: "data", reason: "wrong_type", line: 1, column: 10)),
    Refusal(name: "JSON both data and input_uri", contentType: json, body: #"{"data": [], "input_uri": "a.csv"}"#,
            code: .invalidRequest, located: Located(field: "input_uri", reason: "data_and_input_uri", line: 1, column: 1)),
    Refusal(name: "JSON neither data nor input_uri", contentType: json, body: #"{"processing_config": {}}"#,
            code: .invalidRequest, located: Located(field: "data", reason: "missing_field", line: 1, column: 1)),
    Refusal(name: "JSON unknown top-level key", contentType: json, body: "{\"data\": [{\"id\": 1, \"value\": 1.5, \"category\": \"A\"}],\n \"priority\": 5}",
            code: .invalidRequest, located: Located(field: "priority", reason: "unknown_key", line: 2, column: 2)),
    Refusal(name: "JSON input_uri leaves the data directory", contentType: json, body: #"{"input_uri": "../secret.csv"}"#,
            code: .invalidInputURI, located: Located(field: "input_uri", reason: "unsafe_path", line: 1, column: 15)),
    Refusal(name: "JSON unknown config key", contentType: json, body: "{\"data\": [{\"id\": 1, \"value\": 1.5, \"category\": \"A\"}],\n \"processing_config\": {\"gpu\": true}}",
            code: .invalidConfig, located: Located(field: "gpu", reason: "unknown_key", line: 2, column: 24)),
    Refusal(name: "JSON config of the wrong type", contentType: json, body: "{\"data\": [{\"id\": 1, \"value\": 1.5, \"category\": \"A\"}],\n \"processing_config\": {\"gpu_enabled\": \"yes\"}}",
            code: .invalidConfig, located: Located(field: "gpu_enabled", reason: "wrong_type", line: 2, column: 24)),
    Refusal(name: "JSON unknown normalization", contentType: json, body: "{\"data\": [{\"id\": 1, \"value\": 1.5, \"category\": \"A\"}],\n \"processing_config\": {\"normalization\": \"l2\"}}",
            code: .invalidConfig, located: Located(field: "normalization", reason: "unknown_value", line: 2, column: 24)),
    Refusal(name: "JSON config is not an object", contentType: json, body: "{\"data\": [{\"id\": 1, \"value\": 1.5, \"category\": \"A\"}],\n \"processing_config\": true}",
            code: .invalidConfig, located: Located(field: "processing_config", reason: "wrong_type", line: 2, column: 23)),

    // JSON records that are well-formed but invalid.
    jsonRecord("JSON record is a number", "42", nil, "record_not_object"),
    jsonRecord("JSON id as string", #"{"id": "7", "value": 2.5, "category": "B"}"#, "id", "id_not_integer"),
    jsonRecord("JSON id as float", #"{"id": 1.5, "value": 2.5, "category": "B"}"#, "id", "id_not_integer"),
    jsonRecord("JSON id 2.0 is not an integer literal", #"{"id": 2.0, "value": 2.5, "category": "B"}"#, "id", "id_not_integer"),
    jsonRecord("JSON id as exponent", #"{"id": 2e0, "value": 2.5, "category": "B"}"#, "id", "id_not_integer"),
    jsonRecord("JSON id as bool", #"{"id": true, "value": 2.5, "category": "B"}"#, "id", "id_not_integer"),
    jsonRecord("JSON id null", #"{"id": null, "value": 2.5, "category": "B"}"#, "id", "null_field"),
    jsonRecord("JSON id above Int64", #"{"id": 9223372036854775808, "value": 2.5, "category": "B"}"#, "id", "id_out_of_range"),
    jsonRecord("JSON id below Int64", #"{"id": -9223372036854775809, "value": 2.5, "category": "B"}"#, "id", "id_out_of_range"),
    jsonRecord("JSON id missing", #"{"value": 2.5, "category": "B"}"#, "id", "missing_field"),
    jsonRecord("JSON id repeated", #"{"id": 2, "id": 3, "value": 2.5, "category": "B"}"#, "id", "duplicate_field", id: 2),
    jsonRecord("JSON value \"NaN\"", #"{"id": 2, "value": "NaN", "category": "B"}"#, "value", "value_not_finite", id: 2),
    jsonRecord("JSON value \"Infinity\"", #"{"id": 2, "value": "Infinity", "category": "B"}"#, "value", "value_not_finite", id: 2),
    jsonRecord("JSON value 1e999 overflows", #"{"id": 2, "value": 1e999, "category": "B"}"#, "value", "value_not_finite", id: 2),
    jsonRecord("JSON value as string", #"{"id": 2, "value": "2.5", "category": "B"}"#, "value", "value_not_number", id: 2),
    jsonRecord("JSON value null", #"{"id": 2, "value": null, "category": "B"}"#, "value", "null_field", id: 2),
    jsonRecord("JSON value as bool", #"{"id": 2, "value": false, "category": "B"}"#, "value", "value_not_number", id: 2),
    jsonRecord("JSON value missing", #"{"id": 2, "category": "B"}"#, "value", "missing_field", id: 2),
    jsonRecord("JSON category as number", #"{"id": 2, "value": 2.5, "category": 42}"#, "category", "category_not_string", id: 2),
    jsonRecord("JSON category empty", #"{"id": 2, "value": 2.5, "category": ""}"#, "category", "category_empty", id: 2),
    jsonRecord("JSON category 258 bytes in 129 characters", #"{"id": 2, "value": 2.5, "category": "\#(longCategory)"}"#, "category", "category_too_long", id: 2),
    jsonRecord("JSON category with NUL", #"{"id": 2, "value": 2.5, "category": "a\u0000b"}"#, "category", "category_contains_nul", id: 2),
    jsonRecord("JSON category missing", #"{"id": 2, "value": 2.5}"#, "category", "missing_field", id: 2),
    Refusal(name: "JSON duplicate id", contentType: json,
            body: "{\"data\": [\n{\"id\": 1, \"value\": 1.5, \"category\": \"A\"},\n{\"id\": 2, \"value\": 2.5, \"category\": \"B\"},\n{\"id\": 1, \"value\": 3.5, \"category\": \"C\"}\n]}",
            code: .invalidRecords, located: Located(record: 2, id: 1, field: "id", reason: "duplicate_id", line: 4, column: 1, firstRecord: 0)),
    Refusal(name: "JSON empty data", contentType: json, body: #"{"data": []}"#, code: .emptyBatch, located: Located()),
    Refusal(name: "JSON too many records", contentType: json, body: jsonBatch(#"{"id": 2, "value": 2.5, "category": "B"}"#),
            code: .tooManyRecords, located: Located(), limits: SubmissionLimits(maxRecords: 1)),

    // NDJSON.
    Refusal(name: "NDJSON bad line 2", contentType: ndjson, body: ndjsonBatch(#"{"id": 2, "value": }"#),
            code: .malformedNDJSON, located: Located(record: 1, reason: "syntax", line: 2, column: 20)),
    Refusal(name: "NDJSON two records on one line", contentType: ndjson,
            body: ndjsonBatch(#"{"id": 2, "value": 2.5, "category": "B"} {"id": 3, "value": 3.5, "category": "C"}"#),
            code: .malformedNDJSON, located: Located(record: 1, reason: "syntax", line: 2, column: 42)),
    Refusal(name: "NDJSON record split over lines", contentType: ndjson, body: "{\"id\": 1,\n\"value\": 1.5, \"category\": \"A\"}\n",
            code: .malformedNDJSON, located: Located(record: 0, reason: "syntax", line: 1, column: 10)),
    Refusal(name: "NDJSON bare NaN", contentType: ndjson, body: ndjsonBatch(#"{"id": 2, "value": NaN, "category": "B"}"#),
            code: .malformedNDJSON, located: Located(record: 1, reason: "syntax", line: 2, column: 20)),
    Refusal(name: "NDJSON id as string", contentType: ndjson, body: ndjsonBatch(#"{"id": "2", "value": 2.5, "category": "B"}"#),
            code: .invalidRecords, located: Located(record: 1, field: "id", reason: "id_not_integer", line: 2, column: 1)),
    Refusal(name: "NDJSON record after blank lines", contentType: ndjson,
            body: "\n{\"id\": 1, \"value\": 1.5, \"category\": \"A\"}\n\n  {\"id\": 2, \"value\": \"NaN\", \"category\": \"B\"}\r\n",
            code: .invalidRecords, located: Located(record: 1, id: 2, field: "value", reason: "value_not_finite", line: 4, column: 3)),
    Refusal(name: "NDJSON line is an array", contentType: ndjson, body: ndjsonBatch("[1, 2]"),
            code: .invalidRecords, located: Located(record: 1, reason: "record_not_object", line: 2, column: 1)),
    Refusal(name: "NDJSON empty body", contentType: ndjson, body: "\n\n", code: .emptyBatch, located: Located()),

    // CSV.
    csvRow("CSV nan", "2,nan,B", "value", "value_not_finite", id: 2),
    csvRow("CSV inf", "2,inf,B", "value", "value_not_finite", id: 2),
    csvRow("CSV -Infinity", "2,-Infinity,B", "value", "value_not_finite", id: 2),
    csvRow("CSV 1e999 overflows", "2,1e999,B", "value", "value_not_finite", id: 2),
    csvRow("CSV value as text", "2,ten,B", "value", "value_not_number", id: 2),
    csvRow("CSV hexadecimal value", "2,0x1p3,B", "value", "value_not_number", id: 2),
    csvRow("CSV value missing", "2,,B", "value", "missing_field", id: 2),
    csvRow("CSV id 2.0", "2.0,2.5,B", "id", "id_not_integer"),
    csvRow("CSV id with a space", " 2,2.5,B", "id", "id_not_integer"),
    csvRow("CSV id missing", ",2.5,B", "id", "missing_field"),
    csvRow("CSV id above Int64", "99999999999999999999,2.5,B", "id", "id_out_of_range"),
    csvRow("CSV category empty", "2,2.5,", "category", "category_empty", id: 2),
    csvRow("CSV category 258 bytes in 129 characters", "2,2.5,\(longCategory)", "category", "category_too_long", id: 2),
    Refusal(name: "CSV duplicate id", contentType: csv, body: "id,value,category\n5,1,A\n5,2,B\n",
            code: .invalidRecords, located: Located(record: 1, id: 5, field: "id", reason: "duplicate_id", line: 3, column: 1, firstRecord: 0)),
    Refusal(name: "CSV wrong header order", contentType: csv, body: "id,category,value\n1,A,1.5\n",
            code: .malformedCSV, located: Located(reason: "syntax", line: 1, column: 1)),
    Refusal(name: "CSV unterminated quote", contentType: csv, body: csvBatch("2,2.5,\"B"),
            code: .malformedCSV, located: Located(record: 1, reason: "syntax", line: 3, column: 7)),
    Refusal(name: "CSV two fields", contentType: csv, body: csvBatch("2,2.5"),
            code: .malformedCSV, located: Located(record: 1, reason: "syntax", line: 3, column: 1)),
    Refusal(name: "CSV four fields", contentType: csv, body: csvBatch("2,2.5,B,extra"),
            code: .malformedCSV, located: Located(record: 1, reason: "syntax", line: 3, column: 1)),
    Refusal(name: "CSV quote inside an unquoted field", contentType: csv, body: csvBatch("2,2.5,B\"x"),
            code: .malformedCSV, located: Located(record: 1, reason: "syntax", line: 3, column: 8)),
    Refusal(name: "CSV text after a closing quote", contentType: csv, body: csvBatch("2,2.5,\"B\"x"),
            code: .malformedCSV, located: Located(record: 1, reason: "syntax", line: 3, column: 10)),
    Refusal(name: "CSV empty body", contentType: csv, body: "",
            code: .malformedCSV, located: Located(reason: "syntax", line: 1, column: 1)),
    Refusal(name: "CSV header only", contentType: csv, body: "id,value,category\r\n", code: .emptyBatch, located: Located()),
    Refusal(name: "CSV too many records", contentType: csv, body: csvBatch("2,2.5,B"),
            code: .tooManyRecords, located: Located(), limits: SubmissionLimits(maxRecords: 1)),

    // The request itself.
    Refusal(name: "plain text", contentType: "text/plain", body: "1,1.5,A", code: .unsupportedContentType, located: Located()),
    Refusal(name: "CSV in Latin-1", contentType: "text/csv; charset=ISO-8859-1", body: csvBatch("2,2.5,B"),
            code: .unsupportedContentType, located: Located()),
    Refusal(name: "body over the byte limit", contentType: json, body: jsonBatch(#"{"id": 2, "value": 2.5, "category": "B"}"#),
            code: .tooLarge, located: Located(), limits: SubmissionLimits(maxBodyBytes: 64)),
]

@Suite struct RefusedInputTests {
    @Test(arguments: refusals)
    func refusedWithTheExactCodeAndLocation(_ refusal: Refusal) throws {
        let result = submit(refusal.body, contentType: refusal.contentType, limits: refusal.limits)
        guard case .failure(let error) = result else {
            Issue.record("accepted \(result)")
            return
        }
        #expect(error.code == refusal.code, "\(error)")
        #expect(Located(error.details.first) == refusal.located, "\(error)")
        if refusal.located == Located() { #expect(error.details.isEmpty) }
        #expect(!error.message.isEmpty)
    }

    @Test func theTableCoversEnoughCases() {
        #expect(refusals.count >= 30)
        #expect(Set(refusals.map(\.name)).count == refusals.count)
    }
}
