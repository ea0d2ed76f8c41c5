extension SubmissionError {
    /// The refusal of a batch with more records than the limit allows.
    static func tooManyRecords(count: Int, limit: Int) -> SubmissionError {
        SubmissionError(code: .tooManyRecords, message: "the batch has \(count) records; the limit is \(limit)")
    }
}
