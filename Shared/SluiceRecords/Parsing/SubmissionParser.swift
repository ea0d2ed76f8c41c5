/// Parses job submission bodies (JSON, NDJSON or CSV) into candidate records and their
/// processing configuration.
///
/// It refuses what it cannot read (malformed, 400), what is too large (413) and requests
/// whose shape or configuration is wrong (422). Every record it can read becomes a
/// ``CandidateRecord`` whatever its fields hold; ``RecordValidator`` judges the records.
/// A body with both a syntax error and a content problem gets the syntax error, because
/// nothing in a body that cannot be read is trusted.
public struct SubmissionParser: Sendable {
    /// The bounds on body size and record count; defaults as documented on ``SubmissionLimits``.
    public var limits: SubmissionLimits

    /// Creates a parser; `limits` defaults to ``SubmissionLimits/init(maxRecords:maxCategoryBytes:maxBodyBytes:maxLineBytes:)``'s defaults.
    public init(limits: SubmissionLimits = SubmissionLimits()) {
        self.limits = limits
    }

    /// Parses a body in the format its `Content-Type` names (see
    /// ``SubmissionFormat/init(contentType:)``).
    ///
    /// `config` is used when the body carries none: always for NDJSON and CSV, and for
    /// JSON without `processing_config`. It defaults to all defaults.
    public func parse(
        _ body: some Collection<UInt8>,
        contentType: String,
        config: ProcessingConfig = ProcessingConfig()
    ) throws(SubmissionError) -> Submission {
        try parse(body, format: SubmissionFormat(contentType: contentType), config: config)
    }

    /// Parses a body in `format`, such as a file named by `input_uri`.
    ///
    /// `config` is used when the body carries none: always for NDJSON and CSV, and for
    /// JSON without `processing_config`. It defaults to all defaults.
    public func parse(
        _ body: some Collection<UInt8>,
        format: SubmissionFormat,
        config: ProcessingConfig = ProcessingConfig()
    ) throws(SubmissionError) -> Submission {
        guard body.count <= limits.maxBodyBytes else {
            throw SubmissionError(
                code: .tooLarge,
                message: "the body is \(body.count) bytes; the limit is \(limits.maxBodyBytes)"
            )
        }
        let bytes = Array(body)
        let start = ByteOrderMark.end(of: bytes)
        switch format {
        case .json:
            var reader = JSONSubmissionReader(bytes: bytes, start: start, maxRecords: limits.maxRecords, config: config)
            return try reader.read()
        case .ndjson:
            return Submission(records: try readNDJSON(bytes, from: start), config: config)
        case .csv:
            return Submission(records: try readCSV(bytes, from: start), config: config)
        }
    }
}
