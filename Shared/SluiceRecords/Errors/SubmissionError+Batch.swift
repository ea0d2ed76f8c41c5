extension SubmissionError {
    /// The refusal of a batch with more records than the limit allows.
    static func tooManyRecords(count: Int, limit: Int) -> SubmissionError {
        SubmissionError(code: .tooManyRecords, message: "the batch has \(count) records; the limit is \(limit)")
    }

    static func lineTooLong(line: Int, bytes: Int, limit: Int, record: Int?) -> SubmissionError {
        let message = "line \(line) is \(bytes) bytes long; the limit is \(limit)"
        return SubmissionError(
            code: .lineTooLong, message: message,
            details: [ErrorDetail(record: record, reason: "too_long", message: message, location: SourceLocation(line: line, column: limit + 1))]
        )
    }
}
