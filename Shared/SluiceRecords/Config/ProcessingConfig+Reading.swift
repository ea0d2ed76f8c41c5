extension ProcessingConfig {
    /// Reads a configuration from the bytes of a JSON object, such as one stored with a job.
    ///
    /// Throws `malformed_json` when the bytes are not JSON, `invalid_config` when they are
    /// not an object or a key is unknown, repeated or of the wrong type.
    public init(json: some Collection<UInt8>) throws(SubmissionError) {
        let bytes = Array(json)
        var scanner = JSONScanner(bytes: bytes, range: ByteOrderMark.end(of: bytes)..<bytes.count)
        let first = scanner.skipWhitespace()
        let location = scanner.location
        guard first == ASCII.openBrace else {
            let value = try scanner.readValue()
            try scanner.expectEnd()
            throw Self.notAnObject(value, at: location)
        }
        let members = try scanner.readMembers()
        try scanner.expectEnd()
        try self.init(members: members)
    }

    /// Reads a configuration from text parameters, such as the query string of an NDJSON
    /// or CSV submission, whose bodies cannot carry one.
    ///
    /// The keys are those of the JSON object; `true` and `false` are booleans, anything
    /// else is a string. Throws `invalid_config` naming the first bad key in key order.
    public init(parameters: [String: String]) throws(SubmissionError) {
        let members = parameters.sorted { $0.key < $1.key }.map { key, text in
            JSONMember(key: key, value: text == "true" ? .bool(true) : text == "false" ? .bool(false) : .string(text))
        }
        try self.init(members: members)
    }

    /// Reads a configuration from the members of a JSON object.
    init(members: [JSONMember]) throws(SubmissionError) {
        self.init()
        var seen: Set<String> = []
        for member in members {
            guard let key = CodingKeys(rawValue: member.key) else {
                let known = CodingKeys.allCases.map(\.rawValue).joined(separator: ", ")
                throw Self.error("unknown key \"\(member.key.abbreviated)\"; the keys are \(known)", member, reason: "unknown_key")
            }
            guard seen.insert(member.key).inserted else {
                throw Self.error("\(member.key) appears more than once", member, reason: "duplicate_key")
            }
            switch key {
            case .gpuEnabled: gpuEnabled = try Self.flag(member)
            case .comparePipelines: comparePipelines = try Self.flag(member)
            case .storeResults: storeResults = try Self.flag(member)
            case .onInvalid: onInvalid = try Self.choice(member)
            case .normalization: normalization = try Self.choice(member)
            }
        }
    }

    /// The error for a `processing_config` that is not an object.
    static func notAnObject(_ value: RawField, at location: SourceLocation) -> SubmissionError {
        let message = "processing_config must be an object; found \(value.summary)"
        return SubmissionError(
            code: .invalidConfig,
            message: message,
            details: [ErrorDetail(field: "processing_config", reason: "wrong_type", message: message, location: location)]
        )
    }

    private static func flag(_ member: JSONMember) throws(SubmissionError) -> Bool {
        guard case .bool(let flag) = member.value else {
            throw error("\(member.key) must be true or false; found \(member.value.summary)", member, reason: "wrong_type")
        }
        return flag
    }

    private static func choice<Choice: RawRepresentable<String> & CaseIterable>(
        _ member: JSONMember
    ) throws(SubmissionError) -> Choice {
        let choices = Choice.allCases.map { "\"\($0.rawValue)\"" }.joined(separator: ", ")
        guard case .string(let name) = member.value else {
            throw error("\(member.key) must be one of \(choices); found \(member.value.summary)", member, reason: "wrong_type")
        }
        guard let choice = Choice(rawValue: name) else {
            throw error("\(member.key) must be one of \(choices); found \(member.value.summary)", member, reason: "unknown_value")
        }
        return choice
    }

    private static func error(_ message: String, _ member: JSONMember, reason: String) -> SubmissionError {
        SubmissionError(
            code: .invalidConfig,
            message: "processing_config: \(message)",
            details: [ErrorDetail(field: member.key, reason: reason, message: message, location: member.location)]
        )
    }
}
