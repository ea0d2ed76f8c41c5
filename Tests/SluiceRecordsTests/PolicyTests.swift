import Foundation
import Testing
import SluiceRecords

/// Ten records, three invalid: record 3 lacks its value, record 5's value is "NaN",
/// record 8 repeats record 1's id.
private let mixedBatch: [CandidateRecord] = (0..<10).map { index in
    var candidate = CandidateRecord(id: .number("\(index + 1)"), value: .number("\(index).5"), category: .string(index.isMultiple(of: 2) ? "even" : "odd"))
    switch index {
    case 3: candidate.value = nil
    case 5: candidate.value = .string("NaN")
    case 8: candidate.id = .number("2")
    default: break
    }
    return candidate
}

@Suite struct PolicyTests {
    @Test func dropKeepsTheValidRecordsAndCountsTheRest() {
        let report = RecordValidator().validate(mixedBatch)
        #expect(report.quality == QualityCounts(
            total: 10,
            valid: 7,
            invalid: 3,
            duplicates: 1,
            missingFields: ["value": 1],
            invalidByReason: ["missing_field": 1, "value_not_finite": 1, "duplicate_id": 1]
        ))
        #expect(report.invalid.map(\.index) == [3, 5, 8])
        #expect(report.invalid.map(\.id) == [4, 6, 2])
        #expect(report.invalid.map(\.reasons) == [[.missingField(.value)], [.valueNotFinite(.string("NaN"))], [.duplicateID(2, firstIndex: 1)]])

        guard case .acceptedDroppingInvalid(let kept, let dropped) = report.outcome(onInvalid: .drop) else {
            Issue.record("not accepted with drops: \(report.outcome(onInvalid: .drop))")
            return
        }
        #expect(dropped == 3)
        #expect(kept.map(\.id) == [1, 2, 3, 5, 7, 8, 10])
        #expect(kept.allSatisfy { $0.value.isFinite })
    }

    @Test func failRejectsTheBatchNamingEveryOffender() {
        guard case .rejected(let error) = RecordValidator().validate(mixedBatch).outcome(onInvalid: .fail) else {
            Issue.record("not rejected")
            return
        }
        #expect(error.code == .invalidRecords)
        #expect(error.code.httpStatus == 422)
        #expect(error.message.contains("3 of 10"))
        #expect(error.details.map(Located.init) == [
            Located(record: 3, id: 4, field: "value", reason: "missing_field"),
            Located(record: 5, id: 6, field: "value", reason: "value_not_finite"),
            Located(record: 8, id: 2, field: "id", reason: "duplicate_id", firstRecord: 1),
        ])
    }

    @Test func dropStillRejectsABatchWithNothingValid() {
        let batch = [CandidateRecord(id: .string("a")), CandidateRecord(value: .number("1"))]
        let report = RecordValidator().validate(batch)
        #expect(report.quality.missingFields == ["value": 1, "category": 2, "id": 1])
        #expect(report.quality.invalidByReason == ["id_not_integer": 1, "missing_field": 4])
        guard case .rejected(let error) = report.outcome(onInvalid: .drop) else {
            Issue.record("not rejected")
            return
        }
        #expect(error.code == .noValidRecords)
        #expect(Set(error.details.compactMap(\.record)) == [0, 1])
    }

    @Test func aValidBatchIsAcceptedUnderEitherPolicy() {
        let batch = [CandidateRecord(id: .number("1"), value: .number("2"), category: .string("A"))]
        let report = RecordValidator().validate(batch)
        #expect(report.outcome(onInvalid: .fail) == .accepted([Record(id: 1, value: 2, category: "A")]))
        #expect(report.outcome(onInvalid: .drop) == .accepted([Record(id: 1, value: 2, category: "A")]))
    }

    @Test(arguments: [InvalidRecordPolicy.fail, .drop])
    func theListOfOffendersStopsAtOneHundredRecords(policy: InvalidRecordPolicy) {
        // 250 records, each missing its value and its category: two reasons a record.
        let batch = (0..<250).map { CandidateRecord(id: .number("\($0)")) }
        guard case .rejected(let error) = RecordValidator().validate(batch).outcome(onInvalid: policy) else {
            Issue.record("not rejected")
            return
        }
        #expect(error.code == (policy == .fail ? .invalidRecords : .noValidRecords))
        #expect(error.details.count == 200)
        #expect(Set(error.details.compactMap(\.record)) == Set(0..<100))
        #expect(error.message.contains("250"))
        #expect(error.message.contains("the first 100 are listed"))
    }

    @Test func emptyAndOversizedBatchesAreRejectedWhateverThePolicy() {
        let validator = RecordValidator(limits: SubmissionLimits(maxRecords: 2))
        let three = (1...3).map { CandidateRecord(id: .number("\($0)"), value: .number("1"), category: .string("A")) }
        for policy in InvalidRecordPolicy.allCases {
            #expect(validator.validate([]).outcome(onInvalid: policy) == .rejected(SubmissionError(code: .emptyBatch, message: "the batch has no records")))
            guard case .rejected(let error) = validator.validate(three).outcome(onInvalid: policy) else {
                Issue.record("accepted three records with a limit of two")
                continue
            }
            #expect(error.code == .tooManyRecords)
            #expect(error.code.httpStatus == 413)
        }
        #expect(validator.validate(three).batchProblem == .tooManyRecords(count: 3, limit: 2))
    }

    @Test func theFirstOccurrenceOfAnIdKeepsItEvenWhenItIsInvalid() {
        let batch = [
            CandidateRecord(id: .number("1"), value: .string("NaN"), category: .string("A")),
            CandidateRecord(id: .number("1"), value: .number("2"), category: .string("A")),
            CandidateRecord(id: .number("1"), value: .number("3"), category: .string("A")),
        ]
        let report = RecordValidator().validate(batch)
        #expect(report.quality.duplicates == 2)
        #expect(report.invalid.map(\.reasons.last) == [.valueNotFinite(.string("NaN")), .duplicateID(1, firstIndex: 0), .duplicateID(1, firstIndex: 0)])
    }
}

@Suite struct QualityCountsTests {
    @Test func encodesWithSnakeCaseKeysAndDecodesBack() throws {
        let counts = QualityCounts(total: 3, valid: 1, invalid: 2, duplicates: 1, missingFields: ["value": 1],
                                   invalidByReason: ["missing_field": 1, "duplicate_id": 1], recordsWithUnknownFields: 1)
        let data = try JSONEncoder().encode(counts)
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(Set(object.keys) == ["total", "valid", "invalid", "duplicates", "missing_fields", "invalid_by_reason", "records_with_unknown_fields"])
        #expect(try JSONDecoder().decode(QualityCounts.self, from: data) == counts)
    }
}
