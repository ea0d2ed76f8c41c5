extension ValidationReport {
    /// How many invalid records a rejection lists; the message gives the full count.
    public static let listedRecordLimit = 100

    /// Applies a job's `on_invalid` policy: `fail` rejects the batch when any record is
    /// invalid; `drop` leaves invalid records out but still rejects a batch with no
    /// valid record. An empty or too large batch is rejected under either policy.
    ///
    /// Rejections list the first ``listedRecordLimit`` invalid records in their
    /// details, one entry per reason.
    public func outcome(onInvalid policy: InvalidRecordPolicy) -> ValidationOutcome {
        switch batchProblem {
        case .empty:
            return .rejected(SubmissionError(code: .emptyBatch, message: "the batch has no records"))
        case .tooManyRecords(let count, let limit):
            return .rejected(.tooManyRecords(count: count, limit: limit))
        case nil:
            break
        }
        if invalid.isEmpty { return .accepted(valid) }
        if policy == .drop, !valid.isEmpty { return .acceptedDroppingInvalid(valid, dropped: invalid.count) }

        let listed = invalid.prefix(Self.listedRecordLimit)
        let details = listed.flatMap { record in
            record.reasons.map { reason in
                var firstRecord: Int?
                if case .duplicateID(_, let firstIndex) = reason { firstRecord = firstIndex }
                return ErrorDetail(
                    record: record.index,
                    id: record.id,
                    field: reason.field?.rawValue,
                    reason: reason.code,
                    message: reason.message,
                    location: record.location,
                    firstRecord: firstRecord
                )
            }
        }
        let listing = invalid.count > listed.count ? "; the first \(listed.count) are listed" : ""
        let error = switch policy {
        case .fail:
            SubmissionError(
                code: .invalidRecords,
                message: "\(invalid.count) of \(quality.total) records are invalid and on_invalid is fail\(listing)",
                details: details
            )
        case .drop:
            SubmissionError(
                code: .noValidRecords,
                message: "all \(quality.total) records are invalid, so on_invalid: drop leaves none\(listing)",
                details: details
            )
        }
        return .rejected(error)
    }
}
