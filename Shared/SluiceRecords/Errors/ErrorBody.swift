/// The JSON body that answers a refused request:
/// `{"error": {"code": …, "message": …, "details": [ … ]}}`.
///
/// The gateway encodes it; clients such as the CLI can decode it.
public struct ErrorBody: Codable, Sendable, Hashable {
    /// The `error` object.
    public struct Content: Codable, Sendable, Hashable {
        /// The stable machine code, such as `malformed_json`.
        public var code: String
        /// The problem in words.
        public var message: String
        /// The located problems; an empty array when there are none.
        public var details: [ErrorDetail]
    }

    /// The `error` object.
    public var error: Content

    /// The body for a refused submission.
    public init(_ error: SubmissionError) {
        self.init(code: error.code.rawValue, message: error.message, details: error.details)
    }

    /// The body for any other refusal, such as an unknown job.
    public init(code: String, message: String, details: [ErrorDetail] = []) {
        self.error = Content(code: code, message: message, details: details)
    }
}
