import Foundation
import SluiceColumns
import Testing
@testable import SluiceRecords

/// The fast CSV path gives what the full reader and validator give, or gives up.
@Suite struct CleanCSVTests {
    private let limits = SubmissionLimits()

    private func clean(_ text: String, limits: SubmissionLimits? = nil) -> RecordColumns? {
        Array(text.utf8).withUnsafeBytes { CleanCSV.columns($0, limits: limits ?? self.limits) }
    }

    /// The full path's records, when it accepts every one of them.
    private func full(_ text: String) -> [Record]? {
        guard let submission = try? SubmissionParser(limits: limits).parse(Array(text.utf8), format: .csv),
              case .accepted(let records) = RecordValidator(limits: limits).validate(submission.records).outcome(onInvalid: .fail)
        else { return nil }
        return records
    }

    private func records(_ columns: RecordColumns) -> [Record] {
        columns.ids.indices.map { Record(id: columns.ids[$0], value: columns.values[$0], category: columns.categoryNames[Int(columns.categoryCodes[$0])]) }
    }

    @Test(arguments: [
        "id,value,category\n1,10.5,A\n2,20.3,B\n3,15.7,A\n",
        "\u{FEFF}id,value,category\r\n-7,-0.25,north\r\n0,1e3,south\r\n12,.5,ü ñ\r\n",
        "id,value,category\n1,132.20461882888657,B\n2,1.7976931348623157e308,C\n3,-4.9e-324,D\n4,00012,E",
        "id,value,category\n5,1,A\n3,2,A\n9,3,B\n",
        "id,value,category\n999999999999999999,1.0,a b\n-999999999999999999,2.0,  padded  \n",
    ])
    func plainBatchesGiveTheFullPathsRecords(text: String) throws {
        let columns = try #require(clean(text))
        #expect(records(columns) == full(text))
    }

    @Test(arguments: [
        "",
        "id,value\n1,2\n",
        "id,value,category\n",
        "id,value,category\n1,2,\"quoted\"\n",
        "id,value,category\n1,2,A\n\n2,3,B\n",
        "id,value,category\n1,2,A\n1,3,B\n",
        "id,value,category\n1,NaN,A\n",
        "id,value,category\n1,1e999,A\n",
        "id,value,category\n1,x,A\n",
        "id,value,category\n1.0,2,A\n",
        "id,value,category\n+1,2,A\n",
        "id,value,category\n1,2,\n",
        "id,value,category\n1,2,A,extra\n",
        "id,value,category\n1,2\n",
        "id,value,category\n1,2,a\u{0}b\n",
        "id,value,category\n1,2,a\rb\n",
        "id,value,category\n99999999999999999999,2,A\n",
        "id,value,category\n1, 2,A\n",
    ])
    func anythingElseIsLeftToTheFullPath(text: String) {
        #expect(clean(text) == nil)
    }

    @Test func theLimitsLeaveTheErrorsToTheFullPath() {
        var tight = limits
        tight.maxRecords = 2
        #expect(clean("id,value,category\n1,1,A\n2,2,A\n3,3,A\n", limits: tight) == nil)
        tight = limits
        tight.maxCategoryBytes = 3
        #expect(clean("id,value,category\n1,1,ABCD\n", limits: tight) == nil)
        tight = limits
        tight.maxLineBytes = 8
        #expect(clean("id,value,category\n1,1.12345,A\n", limits: tight) == nil)
    }

    /// Cut into pieces read at once: the same records, the categories in order of first
    /// appearance across pieces, and a duplicate or a bad row in any piece still found.
    @Test func piecesReadAtOnceGiveTheWholeBatch() throws {
        let rows = (1...4_000).map { "\($0),\(Double($0) / 7),\(["d", "c", "b", "a", "é"][($0 / 900) % 5])\n" }
        let text = "id,value,category\n" + rows.joined()
        let pieces = try #require(Array(text.utf8).withUnsafeBytes { CleanCSV.columns($0, limits: limits, pieceBytes: 1_000) })
        #expect(records(pieces) == full(text))
        #expect(pieces.categoryNames == ["d", "c", "b", "a", "é"])
        let descending = "id,value,category\n" + rows.reversed().joined()
        #expect(try records(#require(Array(descending.utf8).withUnsafeBytes { CleanCSV.columns($0, limits: limits, pieceBytes: 1_000) })) == full(descending))
        for bad in ["1,1,x\n", "3999,1,x\n", "5000,x,y\n", "\n"] {
            let spoiled = "id,value,category\n" + rows.prefix(3_000).joined() + bad + rows.suffix(1_000).joined()
            #expect(Array(spoiled.utf8).withUnsafeBytes { CleanCSV.columns($0, limits: limits, pieceBytes: 1_000) } == nil, "\(bad)")
        }
    }

    /// Random plain batches: the same records as the full path, in the same order.
    @Test func randomBatchesAgreeWithTheFullPath() throws {
        var random = SystemRandomNumberGenerator()
        for _ in 0..<20 {
            var text = "id,value,category\n"
            for id in 1...500 {
                let value: String = switch Int.random(in: 0..<4, using: &random) {
                case 0: String(Double.random(in: -1e6...1e6, using: &random))
                case 1: String(Int.random(in: -1000...1000, using: &random))
                case 2: "\(Int.random(in: 1...9, using: &random)).\(Int.random(in: 0...99999, using: &random))e\(Int.random(in: -20...20, using: &random))"
                default: String(format: "%.3f", Double.random(in: 0...1, using: &random))
                }
                text += "\(id),\(value),c\(Int.random(in: 0..<5, using: &random))\n"
            }
            let columns = try #require(clean(text))
            #expect(records(columns) == full(text))
        }
    }
}
