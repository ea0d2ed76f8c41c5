/// Checks candidate records and reports every problem of every record.
///
/// The rules: an id is an integer within Int64 and unique in the batch (the second and
/// later records with an id are duplicates; the first keeps it); a value is a finite
/// number; a category is a non-empty string of at most
/// ``SubmissionLimits/maxCategoryBytes`` UTF-8 bytes without NUL; fields other than
/// these three are ignored. The batch must not be empty nor larger than
/// ``SubmissionLimits/maxRecords``. ``ValidationReport/outcome(onInvalid:)`` applies
/// the job's policy to the report.
public struct RecordValidator: Sendable {
    /// The bounds on record count and category length; defaults as documented on
    /// ``SubmissionLimits``.
    public var limits: SubmissionLimits

    /// Creates a validator; `limits` defaults to ``SubmissionLimits``' defaults.
    public init(limits: SubmissionLimits = SubmissionLimits()) {
        self.limits = limits
    }

    /// Checks every candidate, in order.
    public func validate(_ candidates: [CandidateRecord]) -> ValidationReport {
        var valid: [Record] = []
        valid.reserveCapacity(candidates.count)
        var invalid: [InvalidRecord] = []
        var quality = QualityCounts(total: candidates.count)
        var firstIndexByID = FirstIndexByID(capacity: candidates.count)
        // Fields are read through the buffer, not by copying each candidate out of it.
        candidates.withUnsafeBufferPointer { candidates in
            for index in candidates.indices {
                let candidate = candidates.baseAddress! + index
                if !candidate.pointee.unknownFields.isEmpty { quality.recordsWithUnknownFields += 1 }
                var reasons: [InvalidReason] = []
                var id: Int64?
                var value: Double?
                var category: String?
                if let nonObject = candidate.pointee.nonObject {
                    reasons.append(.notAnObject(nonObject))
                } else {
                    if !candidate.pointee.repeatedFields.isEmpty { reasons += candidate.pointee.repeatedFields.map(InvalidReason.repeatedField) }
                    switch FieldRules.id(candidate.pointee.id) {
                    case .valid(let checked): id = checked
                    case .invalid(let reason): reasons.append(reason)
                    }
                    switch FieldRules.value(candidate.pointee.value) {
                    case .valid(let checked): value = checked
                    case .invalid(let reason): reasons.append(reason)
                    }
                    switch FieldRules.category(candidate.pointee.category, maxBytes: limits.maxCategoryBytes) {
                    case .valid(let checked): category = checked
                    case .invalid(let reason): reasons.append(reason)
                    }
                }
                if let id, let first = firstIndexByID.firstIndex(of: id, recording: index) {
                    reasons.append(.duplicateID(id, firstIndex: first))
                }
                if reasons.isEmpty, let id, let value, let category {
                    valid.append(Record(id: id, value: value, category: category))
                } else {
                    invalid.append(InvalidRecord(index: index, id: id, location: candidate.pointee.location, reasons: reasons))
                    quality.count(reasons)
                }
            }
        }
        quality.valid = valid.count
        quality.invalid = invalid.count
        let batchProblem: BatchProblem? = if candidates.isEmpty {
            .empty
        } else if candidates.count > limits.maxRecords {
            .tooManyRecords(count: candidates.count, limit: limits.maxRecords)
        } else {
            nil
        }
        return ValidationReport(valid: valid, invalid: invalid, quality: quality, batchProblem: batchProblem)
    }
}

extension QualityCounts {
    /// Adds one invalid record's reasons to the counts.
    fileprivate mutating func count(_ reasons: [InvalidReason]) {
        for reason in reasons {
            invalidByReason[reason.code, default: 0] += 1
            switch reason {
            case .missingField(let field), .nullField(let field): missingFields[field.rawValue, default: 0] += 1
            case .duplicateID: duplicates += 1
            default: break
            }
        }
    }
}
