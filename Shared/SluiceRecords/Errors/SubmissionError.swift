/// Why a submission was refused: while parsing (malformed body, wrong content type, bad
/// configuration) or after validation (invalid records, empty batch).
///
/// ``code`` is stable and meant for programs; ``message`` is for people; ``details``
/// locate the problem. ``ErrorBody`` is its JSON form.
public struct SubmissionError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What kind of refusal this is, and the HTTP status that answers it.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        /// The stable machine name, such as `malformed_json`.
        public let rawValue: String
        /// The HTTP status the gateway answers with: 400 for bodies that cannot be
        /// parsed, 413 for too much, 415 for a format Sluice does not read, 422 for
        /// well-formed submissions whose content is invalid.
        public let httpStatus: Int

        private init(_ rawValue: String, _ httpStatus: Int) {
            self.rawValue = rawValue
            self.httpStatus = httpStatus
        }

        /// The machine name.
        public var description: String { rawValue }

        /// The body is not JSON (400).
        public static let malformedJSON = Code("malformed_json", 400)
        /// A line of the body is not JSON (400).
        public static let malformedNDJSON = Code("malformed_ndjson", 400)
        /// The body is not CSV with the header `id,value,category` and three fields a row (400).
        public static let malformedCSV = Code("malformed_csv", 400)
        /// The body is larger than ``SubmissionLimits/maxBodyBytes`` (413).
        public static let tooLarge = Code("too_large", 413)
        /// The batch has more than ``SubmissionLimits/maxRecords`` records (413).
        public static let tooManyRecords = Code("too_many_records", 413)
        /// A CSV row or an NDJSON line is longer than ``SubmissionLimits/maxLineBytes`` (413).
        public static let lineTooLong = Code("line_too_long", 413)
        /// The content type is not JSON, NDJSON or CSV, or its charset is not UTF-8 (415).
        public static let unsupportedContentType = Code("unsupported_content_type", 415)
        /// The JSON body is not an object with exactly one of `data` and `input_uri` (422).
        public static let invalidRequest = Code("invalid_request", 422)
        /// `input_uri` is not a relative path inside the data directory (422).
        public static let invalidInputURI = Code("invalid_input_uri", 422)
        /// `processing_config` has an unknown key or a value of the wrong type (422).
        public static let invalidConfig = Code("invalid_config", 422)
        /// The batch has no records (422).
        public static let emptyBatch = Code("empty_batch", 422)
        /// Some records are invalid and `on_invalid` is `fail` (422).
        public static let invalidRecords = Code("invalid_records", 422)
        /// Every record is invalid, so even `on_invalid: drop` leaves nothing (422).
        public static let noValidRecords = Code("no_valid_records", 422)
    }

    /// What kind of refusal this is.
    public var code: Code
    /// A sentence for people saying what is wrong.
    public var message: String
    /// Where the problems are: one entry per problem, in body order; may be empty.
    public var details: [ErrorDetail]

    /// Creates an error.
    public init(code: Code, message: String, details: [ErrorDetail] = []) {
        self.code = code
        self.message = message
        self.details = details
    }

    /// The code and the message, for logs.
    public var description: String { "\(code): \(message)" }
}
