/// Reads an `application/json` submission: walks the top-level object and turns each
/// element of `data` into a candidate as it goes.
struct JSONSubmissionReader {
    /// Top-level keys of the script-submission envelope (idempotency and reply routing).
    /// They are allowed so that scripts can publish the body the gateway accepts; this
    /// reader leaves them to whoever handles the envelope. Any other unknown key is refused.
    static let envelopeKeys: Set<String> = ["job_id", "message_id", "reply_to"]

    private var scanner: JSONScanner
    private let maxRecords: Int
    private var records: [CandidateRecord] = []
    private var recordCount = 0
    private var config: ProcessingConfig
    private var inputURI: String?
    private var keys: Set<String> = []
    /// The first problem found in the content; thrown only once the whole body has been
    /// read, so that a malformed body is always reported as malformed.
    private var problem: SubmissionError?

    init(bytes: [UInt8], start: Int, maxRecords: Int, config: ProcessingConfig) {
        self.scanner = JSONScanner(bytes: bytes, range: start..<bytes.count)
        self.maxRecords = maxRecords
        self.config = config
    }

    mutating func read() throws(SubmissionError) -> Submission {
        let first = scanner.skipWhitespace()
        let location = scanner.location
        if first == ASCII.openBrace {
            try readTopLevelObject()
        } else {
            let value = try scanner.readValue()
            note(.invalidRequest, "the body must be a JSON object with data or input_uri; found \(value.summary)", reason: "wrong_type", at: location)
        }
        try scanner.expectEnd()
        if let problem { throw problem }
        switch (keys.contains("data"), keys.contains("input_uri")) {
        case (true, true):
            throw SubmissionError(code: .invalidRequest, message: "send either data or input_uri, not both", details: [
                ErrorDetail(field: "input_uri", reason: "data_and_input_uri", location: location),
            ])
        case (false, false):
            throw SubmissionError(code: .invalidRequest, message: "the body needs data (an array of records) or input_uri (a relative path)", details: [
                ErrorDetail(field: "data", reason: "missing_field", location: location),
            ])
        default:
            guard recordCount <= maxRecords else { throw .tooManyRecords(count: recordCount, limit: maxRecords) }
            return Submission(records: records, config: config, inputURI: inputURI)
        }
    }

    private mutating func readTopLevelObject() throws(SubmissionError) {
        try scanner.beginObject()
        var first = true
        while let key = try scanner.nextKey(first: first) {
            first = false
            guard keys.insert(key.name).inserted else {
                _ = try scanner.readValue()
                note(.invalidRequest, "\(key.name.abbreviated) appears more than once", field: key.name, reason: "duplicate_key", at: key.location)
                continue
            }
            switch key.name {
            case "data":
                try readData()
            case "input_uri":
                try readInputURI()
            case "processing_config":
                try readConfig()
            case let name where Self.envelopeKeys.contains(name):
                _ = try scanner.readValue()
            default:
                _ = try scanner.readValue()
                note(.invalidRequest, "unknown field \"\(key.name.abbreviated)\"; the fields are data, input_uri and processing_config", field: key.name, reason: "unknown_key", at: key.location)
            }
        }
    }

    private mutating func readData() throws(SubmissionError) {
        let first = scanner.skipWhitespace()
        let location = scanner.location
        guard first == ASCII.openBracket else {
            let value = try scanner.readValue()
            note(.invalidRequest, "data must be an array of records; found \(value.summary)", field: "data", reason: "wrong_type", at: location)
            return
        }
        try scanner.beginArray()
        while try scanner.nextElement(first: recordCount == 0) {
            scanner.recordIndex = recordCount
            let candidate = try scanner.readCandidate()
            scanner.recordIndex = nil
            // Past the limit the rest is still read, for syntax errors and the count.
            if recordCount < maxRecords { records.append(candidate) }
            recordCount += 1
        }
    }

    private mutating func readInputURI() throws(SubmissionError) {
        scanner.skipWhitespace()
        let location = scanner.location
        let value = try scanner.readValue()
        guard case .string(let path) = value else {
            note(.invalidInputURI, "input_uri must be a string; found \(value.summary)", field: "input_uri", reason: "wrong_type", at: location)
            return
        }
        if let reason = InputPath.problem(with: path) {
            note(.invalidInputURI, "input_uri \"\(path.abbreviated)\" is refused: \(reason)", field: "input_uri", reason: "unsafe_path", at: location)
            return
        }
        inputURI = path
    }

    private mutating func readConfig() throws(SubmissionError) {
        let first = scanner.skipWhitespace()
        let location = scanner.location
        guard first == ASCII.openBrace else {
            note(ProcessingConfig.notAnObject(try scanner.readValue(), at: location))
            return
        }
        let members = try scanner.readMembers()
        do {
            config = try ProcessingConfig(members: members)
        } catch {
            note(error)
        }
    }

    private mutating func note(_ code: SubmissionError.Code, _ message: String, field: String? = nil, reason: String? = nil, at location: SourceLocation) {
        note(SubmissionError(code: code, message: message, details: [
            ErrorDetail(field: field, reason: reason, message: message, location: location),
        ]))
    }

    private mutating func note(_ error: SubmissionError) {
        problem = problem ?? error
    }
}
