import Foundation
import SluiceClient
import SluiceTestSupport
import Testing

/// Requests the gateway refuses: each gets its documented status and error code, and
/// nothing is stored or queued for any of them.
@Suite struct RefusedRequestTests {
    struct Refusal: Sendable, CustomTestStringConvertible {
        let name: String
        var path = "/api/v1/jobs"
        var query: [(String, String)] = []
        let contentType: String?
        let body: String
        var headers: [String: String] = [:]
        let status: Int
        let code: String
        /// For record problems: the field and record index the first detail must name.
        var field: String?
        var record: Int?

        var testDescription: String { name }
    }

    static let one = #"{"id": 1, "value": 1.5, "category": "A"}"#
    static func records(_ records: String...) -> String { #"{"data": [\#(records.joined(separator: ", "))]}"# }

    static let table: [Refusal] = [
        Refusal(name: "broken JSON", contentType: "application/json", body: #"{"data": [{"id": 1, "#, status: 400, code: "malformed_json"),
        Refusal(name: "not JSON at all", contentType: "application/json", body: "id=1&value=2", status: 400, code: "malformed_json"),
        Refusal(name: "an empty body", contentType: "application/json", body: "", status: 400, code: "malformed_json"),
        Refusal(name: "text after the JSON", contentType: "application/json", body: records(one) + " {}", status: 400, code: "malformed_json"),
        Refusal(name: "a bare NaN literal", contentType: "application/json", body: #"{"data": [{"id": 1, "value": NaN, "category": "A"}]}"#, status: 400, code: "malformed_json"),
        Refusal(name: "a JSON array instead of an object", contentType: "application/json", body: "[" + one + "]", status: 422, code: "invalid_request"),
        Refusal(name: "an unknown top-level field", contentType: "application/json", body: #"{"data": [\#(one)], "priority": 1}"#, status: 422, code: "invalid_request"),
        Refusal(name: "both data and input_uri", contentType: "application/json", body: #"{"data": [\#(one)], "input_uri": "x.csv"}"#, status: 422, code: "invalid_request"),
        Refusal(name: "empty data", contentType: "application/json", body: #"{"data": []}"#, status: 422, code: "empty_batch"),
        Refusal(name: "id as a string", contentType: "application/json", body: records(one, #"{"id": "2", "value": 1, "category": "A"}"#), status: 422, code: "invalid_records", field: "id", record: 1),
        Refusal(name: "id as a fraction", contentType: "application/json", body: records(#"{"id": 1.5, "value": 1, "category": "A"}"#), status: 422, code: "invalid_records", field: "id", record: 0),
        Refusal(name: "value \"NaN\"", contentType: "application/json", body: records(#"{"id": 1, "value": "NaN", "category": "A"}"#), status: 422, code: "invalid_records", field: "value", record: 0),
        Refusal(name: "value \"Infinity\"", contentType: "application/json", body: records(one, #"{"id": 2, "value": "Infinity", "category": "A"}"#), status: 422, code: "invalid_records", field: "value", record: 1),
        Refusal(name: "value 1e999 overflows", contentType: "application/json", body: records(#"{"id": 1, "value": 1e999, "category": "A"}"#), status: 422, code: "invalid_records", field: "value", record: 0),
        Refusal(name: "value as a numeric string", contentType: "application/json", body: records(#"{"id": 1, "value": "2.5", "category": "A"}"#), status: 422, code: "invalid_records", field: "value", record: 0),
        Refusal(name: "value null", contentType: "application/json", body: records(#"{"id": 1, "value": null, "category": "A"}"#), status: 422, code: "invalid_records", field: "value", record: 0),
        Refusal(name: "value missing", contentType: "application/json", body: records(#"{"id": 1, "category": "A"}"#), status: 422, code: "invalid_records", field: "value", record: 0),
        Refusal(name: "category missing", contentType: "application/json", body: records(one, #"{"id": 2, "value": 1}"#), status: 422, code: "invalid_records", field: "category", record: 1),
        Refusal(name: "category empty", contentType: "application/json", body: records(#"{"id": 1, "value": 1, "category": ""}"#), status: 422, code: "invalid_records", field: "category", record: 0),
        Refusal(name: "category over 256 bytes", contentType: "application/json", body: records(#"{"id": 1, "value": 1, "category": "\#(String(repeating: "x", count: 300))"}"#), status: 422, code: "invalid_records", field: "category", record: 0),
        Refusal(name: "duplicate ids", contentType: "application/json", body: records(one, one), status: 422, code: "invalid_records", field: "id", record: 1),
        Refusal(name: "an unknown processing_config key", contentType: "application/json", body: #"{"data": [\#(one)], "processing_config": {"use_gpu": true}}"#, status: 422, code: "invalid_config"),
        Refusal(name: "a processing_config flag as a string", contentType: "application/json", body: #"{"data": [\#(one)], "processing_config": {"gpu_enabled": "yes"}}"#, status: 422, code: "invalid_config"),
        Refusal(name: "on_invalid drop leaving nothing", contentType: "application/json", body: #"{"data": [{"id": 1, "value": "x", "category": "A"}], "processing_config": {"on_invalid": "drop"}}"#, status: 422, code: "no_valid_records"),
        Refusal(name: "settings in the query of a JSON body", query: [("on_invalid", "drop")], contentType: "application/json", body: records(one), status: 422, code: "invalid_config"),
        Refusal(name: "a text/plain body", contentType: "text/plain", body: records(one), status: 415, code: "unsupported_content_type"),
        Refusal(name: "no Content-Type", contentType: nil, body: records(one), status: 415, code: "unsupported_content_type"),
        Refusal(name: "CSV in Latin-1", contentType: "text/csv; charset=ISO-8859-1", body: "id,value,category\n1,2,A\n", status: 415, code: "unsupported_content_type"),
        Refusal(name: "CSV with the wrong header", contentType: "text/csv", body: "key,amount,group\n1,2,A\n", status: 400, code: "malformed_csv"),
        Refusal(name: "CSV with an unterminated quote", contentType: "text/csv", body: "id,value,category\n1,2,\"A\n", status: 400, code: "malformed_csv"),
        Refusal(name: "CSV row with two fields", contentType: "text/csv", body: "id,value,category\n1,2\n", status: 400, code: "malformed_csv"),
        Refusal(name: "CSV value nan", contentType: "text/csv", body: "id,value,category\n1,2,A\n2,nan,B\n", status: 422, code: "invalid_records", field: "value", record: 1),
        Refusal(name: "CSV with an unknown setting", query: [("colour", "red")], contentType: "text/csv", body: "id,value,category\n1,2,A\n", status: 422, code: "invalid_config"),
        Refusal(name: "a CSV row over the line limit", contentType: "text/csv", body: "id,value,category\n1,2,A\n2,3,\(String(repeating: "B", count: 70_000))\n", status: 413, code: "line_too_long", record: 1),
        Refusal(name: "an NDJSON line over the line limit", contentType: "application/x-ndjson", body: one + "\n" + #"{"id": 2, "value": 1, "category": "\#(String(repeating: "B", count: 70_000))"}"#, status: 413, code: "line_too_long", record: 1),
        Refusal(name: "NDJSON with a broken line", contentType: "application/x-ndjson", body: one + "\n{\"id\": 2,\n", status: 400, code: "malformed_ndjson"),
        Refusal(name: "a body over the size limit", contentType: "application/json", body: records(Array(repeating: one, count: 40_000).joined(separator: ", ")), status: 413, code: "too_large"),
        Refusal(name: "more records than the limit", contentType: "text/csv", body: "id,value,category\n" + (1...1_001).map { "\($0),1.5,A\n" }.joined(), status: 413, code: "too_many_records"),
        Refusal(name: "input_uri leaving the artifact folder", contentType: "application/json", body: #"{"input_uri": "../secrets.csv"}"#, status: 422, code: "invalid_input_uri"),
        Refusal(name: "input_uri naming no file", contentType: "application/json", body: #"{"input_uri": "missing.csv"}"#, status: 422, code: "invalid_input_uri"),
        Refusal(name: "input_uri of unknown format", contentType: "application/json", body: #"{"input_uri": "data.parquet"}"#, status: 422, code: "invalid_input_uri"),
        Refusal(name: "wait that is not a number", path: "/process", query: [("wait", "soon")], contentType: "application/json", body: records(one), status: 400, code: "invalid_parameter"),
        Refusal(name: "wait over the maximum", path: "/process", query: [("wait", "100000")], contentType: "application/json", body: records(one), status: 400, code: "invalid_parameter"),
        // Past what a Duration holds: once a trap that stopped the gateway (found by Tests/openapi).
        Refusal(name: "wait of 1e307 seconds", path: "/process", query: [("wait", "3.2e307")], contentType: "application/json", body: records(one), status: 400, code: "invalid_parameter"),
        Refusal(name: "wait that is NaN", path: "/process", query: [("wait", "nan")], contentType: "application/json", body: records(one), status: 400, code: "invalid_parameter"),
        Refusal(name: "an Idempotency-Key with spaces", contentType: "application/json", body: records(one), headers: ["Idempotency-Key": "my key"], status: 400, code: "invalid_parameter"),
        Refusal(name: "/process with broken JSON", path: "/process", contentType: "application/json", body: "{", status: 400, code: "malformed_json"),
        Refusal(name: "/process with duplicate ids", path: "/process", contentType: "application/json", body: records(one, one), status: 422, code: "invalid_records", field: "id", record: 1),
    ]

    @Test func everyRefusalHasItsStatusAndCodeAndStoresNothing() async throws {
        #expect(Self.table.count >= 25)
        try await TestPipeline.run(.gatewayOnly, limits: .init(maxRecords: 1_000, maxBodyBytes: 1 << 20)) { pipeline in
            for refusal in Self.table {
                var headers = refusal.headers
                headers["Content-Type"] = refusal.contentType
                let response = try await pipeline.client.send(
                    "POST", refusal.path, query: refusal.query, body: Data(refusal.body.utf8), headers: headers
                )
                #expect(response.status == refusal.status, "\(refusal.name): \(response.text.prefix(300))")
                let error = try #require(response.error, "\(refusal.name): not an error body: \(response.text.prefix(300))")
                #expect(error.error.code == refusal.code, "\(refusal.name): \(error.error.message)")
                #expect(!error.error.message.isEmpty, "\(refusal.name)")
                if let field = refusal.field {
                    let detail = try #require(error.error.details.first, "\(refusal.name): no details")
                    #expect(detail.field == field && detail.record == refusal.record, "\(refusal.name): \(detail)")
                }
            }
            #expect(try await pipeline.jobCount() == 0)
            #expect(try await pipeline.queuedMessages() == 0)
            #expect(try pipeline.artifactFolders() == [])
        }
    }

    @Test func unknownJobsAndRoutesAreJSON404s() async throws {
        try await TestPipeline.run(.gatewayOnly) { pipeline in
            let unknown = UUID().uuidString.lowercased()
            for path in ["/api/v1/jobs/\(unknown)", "/api/v1/jobs/\(unknown)/results", "/api/v1/jobs/not-a-uuid", "/no/such/route"] {
                let response = try await pipeline.client.send("GET", path)
                #expect(response.status == 404, "\(path)")
                #expect(response.error?.error.code == (path.hasPrefix("/api") ? "job_not_found" : "not_found"), "\(path): \(response.text)")
            }
            // An empty status filters by nothing; it is refused rather than read as no filter (found by Tests/openapi).
            for filter in ["finished", "", "queued,,failed"] {
                let badFilter = try await pipeline.client.jobs([("status", filter)])
                #expect(badFilter.status == 400 && badFilter.error?.error.code == "invalid_parameter", "status=\(filter): \(badFilter.text)")
            }
            let unknownParameter = try await pipeline.client.jobs([("sort", "asc")])
            #expect(unknownParameter.status == 400 && unknownParameter.error?.error.details.first?.field == "sort")
        }
    }
}
