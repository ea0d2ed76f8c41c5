import Foundation
import SluiceClient
import SluiceTestSupport
import Testing

/// 1,200 generated malformed requests (random bytes, truncated and mutated bodies,
/// deep nesting, huge numbers, invalid UTF-8, wrong content types): the gateway
/// answers every one with a JSON body, never with a 5xx, stays up, and stores a job
/// for exactly the requests it accepted (a mutation may leave a body valid).
@Suite struct FuzzedRequestTests {
    struct Case: Sendable {
        let kind: String
        let contentType: String?
        let body: [UInt8]
    }

    static let seedBody = Array(#"{"data": [{"id": 1, "value": 10.5, "category": "A"}, {"id": 2, "value": 20.3, "category": "B"}, {"id": 3, "value": 15.7, "category": "A"}], "processing_config": {"gpu_enabled": true}}"#.utf8)
    static let csvBody = Array("id,value,category\n1,10.5,A\n2,20.3,\"B, b\"\n3,15.7,A\n".utf8)
    static let contentTypes: [String?] = [
        "application/json", "application/x-ndjson", "text/csv", "text/plain", nil, "application/octet-stream",
        "application/json; charset=iso-8859-1", "text/csv; charset=utf-8", "multipart/form-data; boundary=x",
    ]

    /// The generated cases; `seed` reproduces them.
    static func cases(count: Int, seed: UInt64) -> [Case] {
        var random = SplitMix64(seed: seed)
        return (0..<count).map { index in
            switch index % 8 {
            case 0:
                let length = Int.random(in: 0...512, using: &random)
                return Case(kind: "random bytes", contentType: contentTypes.randomElement(using: &random)!, body: (0..<length).map { _ in UInt8.random(in: 0...255, using: &random) })
            case 1:
                let cut = Int.random(in: 0..<(seedBody.count - 1), using: &random)
                return Case(kind: "truncated JSON", contentType: "application/json", body: Array(seedBody[..<cut]))
            case 2:
                let depth = [64, 65, 500, 10_000, 200_000].randomElement(using: &random)!
                let open = Bool.random(using: &random) ? "[" : "{\"a\":"
                return Case(kind: "nesting \(depth)", contentType: "application/json", body: Array((#"{"data": "# + String(repeating: open, count: depth)).utf8))
            case 3:
                let digits = String(repeating: "9", count: Int.random(in: 20...5_000, using: &random))
                let exponent = ["1e400", "-1e400", "1e-400", "0.\(digits)", digits, "-\(digits)"].randomElement(using: &random)!
                let field = Bool.random(using: &random) ? #""id": \#(exponent), "value": 1"# : #""id": 1, "value": \#(exponent)"#
                return Case(kind: "huge number", contentType: "application/json", body: Array(#"{"data": [{\#(field), "category": "A"}]}"#.utf8))
            case 4:
                var body = seedBody
                let at = body.firstIndex(of: UInt8(ascii: "A"))!
                body.replaceSubrange(at...at, with: [[0xC3, 0x28], [0xFF], [0xED, 0xA0, 0x80], [0xF8, 0x88, 0x80, 0x80, 0x80], [0x00]].randomElement(using: &random)!)
                return Case(kind: "invalid UTF-8", contentType: "application/json", body: body)
            case 5, 6:
                var body = index % 8 == 5 ? seedBody : csvBody
                for _ in 0..<Int.random(in: 1...6, using: &random) {
                    let at = Int.random(in: 0..<body.count, using: &random)
                    switch Int.random(in: 0..<3, using: &random) {
                    case 0: body[at] = UInt8.random(in: 0...255, using: &random)
                    case 1: body.insert(Array(#"{}[]",:\ 0eE-.nN"#.utf8).randomElement(using: &random)!, at: at)
                    default: body.remove(at: at)
                    }
                }
                return Case(kind: "mutated", contentType: index % 8 == 5 ? "application/json" : "text/csv", body: body)
            default:
                let rows = (0..<Int.random(in: 0...20, using: &random)).map { _ in
                    (0..<Int.random(in: 0...5, using: &random)).map { _ in ["1", "-2.5", "\"", "\"x\"\"y\"", "", "NaN", "\r", "é", "1,2"].randomElement(using: &random)! }.joined(separator: ",")
                }
                return Case(kind: "random CSV", contentType: "text/csv", body: Array((["id,value,category"] + rows).joined(separator: "\n").utf8))
            }
        }
    }

    @Test func malformedRequestsAreRefusedAndNothingCrashes() async throws {
        let cases = Self.cases(count: 1_200, seed: 20_261_122)
        try await TestPipeline.run(.gatewayOnly) { pipeline in
            let answers = try await withThrowingTaskGroup(of: [(Case, GatewayResponse)].self) { group in
                for worker in 0..<4 {
                    group.addTask {
                        var answers: [(Case, GatewayResponse)] = []
                        for item in stride(from: worker, to: cases.count, by: 4) {
                            let fuzz = cases[item]
                            let headers = fuzz.contentType.map { ["Content-Type": $0] } ?? [:]
                            answers.append((fuzz, try await pipeline.client.send("POST", "/api/v1/jobs", body: Data(fuzz.body), headers: headers)))
                        }
                        return answers
                    }
                }
                return try await group.reduce(into: []) { $0 += $1 }
            }
            #expect(answers.count == cases.count)
            var accepted = 0
            for (fuzz, answer) in answers {
                if answer.status == 202 {
                    accepted += 1
                    continue
                }
                #expect((400..<500).contains(answer.status), "\(fuzz.kind): \(answer.status) \(answer.text.prefix(200))")
                #expect(answer.error.map { !$0.error.code.isEmpty && !$0.error.message.isEmpty } == true, "\(fuzz.kind): \(answer.text.prefix(200))")
            }
            #expect(accepted < cases.count / 4, "the generator should mostly make malformed requests")
            #expect(try await pipeline.jobCount() == accepted)
            #expect(try await pipeline.queuedMessages() == accepted)
            #expect(try pipeline.artifactFolders().count == accepted)
            #expect(try await pipeline.client.send("GET", "/health").status == 200)
        }
    }
}
