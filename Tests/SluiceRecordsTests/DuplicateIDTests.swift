import Testing
import SluiceRecords

/// Duplicate ids are told the same way whether ids ascend, stop ascending part-way, or
/// come in any order: each repeat names the first record with its id.
@Suite struct DuplicateIDTests {
    private func batch(_ ids: [Int64]) -> [CandidateRecord] {
        ids.map { CandidateRecord(id: .number("\($0)"), value: .number("1.5"), category: .string("a")) }
    }

    private func duplicates(_ ids: [Int64]) -> [Int: Int] {
        var found: [Int: Int] = [:]
        for record in RecordValidator().validate(batch(ids)).invalid {
            for case .duplicateID(_, let first) in record.reasons { found[record.index] = first }
        }
        return found
    }

    @Test func repeatsAfterAnAscendingRunNameTheirFirstRecord() {
        // Ascending up to index 2; the repeat of 3 ends the run; later repeats are looked up.
        #expect(duplicates([1, 2, 3, 3, 7, 5, 2, 5, 9, 7, -1, 8]) == [3: 2, 6: 1, 7: 5, 9: 4])
    }

    @Test func ascendingIDsHaveNoDuplicates() {
        #expect(duplicates(Array(stride(from: -5, through: 10_000, by: 3))).isEmpty)
    }

    @Test(arguments: [0, 1, 30, 120])
    func anyOrderAgreesWithAPlainDictionary(ascendingRun: Int) {
        // An ascending run, then ids that jump about a small range, so that many repeat.
        let ids = (0..<Int64(ascendingRun)).map { $0 * 2 } + (0..<300).map { Int64(($0 * 37) % 101) }
        var expected: [Int: Int] = [:]
        var firstByID: [Int64: Int] = [:]
        for (index, id) in ids.enumerated() {
            if let first = firstByID[id] { expected[index] = first } else { firstByID[id] = index }
        }
        #expect(!expected.isEmpty)
        #expect(duplicates(ids) == expected)
    }
}
