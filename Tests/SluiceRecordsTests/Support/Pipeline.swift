import SluiceRecords

/// Parses and validates a body as the gateway and the validator do together, under the
/// policy of the submission's own configuration.
func submit(
    _ body: String,
    contentType: String,
    limits: SubmissionLimits = SubmissionLimits()
) -> Result<[Record], SubmissionError> {
    submit(Array(body.utf8), contentType: contentType, limits: limits)
}

/// Parses and validates body bytes as the gateway and the validator do together.
func submit(
    _ body: [UInt8],
    contentType: String,
    limits: SubmissionLimits = SubmissionLimits()
) -> Result<[Record], SubmissionError> {
    let submission: Submission
    do {
        submission = try SubmissionParser(limits: limits).parse(body, contentType: contentType)
    } catch {
        return .failure(error)
    }
    switch RecordValidator(limits: limits).validate(submission.records).outcome(onInvalid: submission.config.onInvalid) {
    case .accepted(let records), .acceptedDroppingInvalid(let records, _): return .success(records)
    case .rejected(let error): return .failure(error)
    }
}

/// Parses a body that must parse.
func parse(_ body: String, format: SubmissionFormat, limits: SubmissionLimits = SubmissionLimits()) throws -> Submission {
    try SubmissionParser(limits: limits).parse(Array(body.utf8), format: format)
}
