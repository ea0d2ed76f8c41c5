extension JSONScanner {
    /// A key read by ``nextKey(first:)``, with where it starts.
    struct Key {
        var name: String
        var location: SourceLocation
    }

    /// Consumes the `{` that opens an object.
    mutating func beginObject() throws(SubmissionError) {
        guard skipWhitespace() == ASCII.openBrace else { throw error("expected '{'") }
        try enter()
    }

    /// After ``beginObject()`` or a member's value: reads the next key and its `:`, or
    /// consumes the closing `}` and returns nil.
    mutating func nextKey(first: Bool) throws(SubmissionError) -> Key? {
        guard var byte = skipWhitespace() else {
            throw error("unexpected end of input inside an object; expected '}'")
        }
        if byte == ASCII.closeBrace {
            offset += 1
            depth -= 1
            return nil
        }
        if !first {
            guard byte == ASCII.comma else { throw error("unexpected \(describe(byte)); expected ',' or '}'") }
            offset += 1
            guard let next = skipWhitespace() else {
                throw error("unexpected end of input inside an object; expected a key")
            }
            byte = next
        }
        guard byte == ASCII.quote else {
            throw error(byte == ASCII.closeBrace ? "trailing ',' before '}'" : "unexpected \(describe(byte)); expected a string key")
        }
        let location = self.location
        let name = try readString()
        guard skipWhitespace() == ASCII.colon else { throw error("expected ':' after the key") }
        offset += 1
        return Key(name: name, location: location)
    }

    /// Reads an object whose values are kept flat (nested containers only as their kind).
    mutating func readMembers() throws(SubmissionError) -> [JSONMember] {
        try beginObject()
        var members: [JSONMember] = []
        while let key = try nextKey(first: members.isEmpty) {
            members.append(JSONMember(key: key.name, value: try readValue(), location: key.location))
        }
        return members
    }

    /// Consumes the `[` that opens an array.
    mutating func beginArray() throws(SubmissionError) {
        guard skipWhitespace() == ASCII.openBracket else { throw error("expected '['") }
        try enter()
    }

    /// After ``beginArray()`` or an element: returns true when another element follows
    /// (consuming its `,`), or consumes the closing `]` and returns false.
    mutating func nextElement(first: Bool) throws(SubmissionError) -> Bool {
        guard let byte = skipWhitespace() else {
            throw error("unexpected end of input inside an array; expected ']'")
        }
        if byte == ASCII.closeBracket {
            offset += 1
            depth -= 1
            return false
        }
        if first { return true }
        guard byte == ASCII.comma else { throw error("unexpected \(describe(byte)); expected ',' or ']'") }
        offset += 1
        if skipWhitespace() == ASCII.closeBracket { throw error("trailing ',' before ']'") }
        return true
    }

    private mutating func enter() throws(SubmissionError) {
        guard depth < Self.maxDepth else {
            throw error("arrays and objects nest more than \(Self.maxDepth) levels deep")
        }
        depth += 1
        offset += 1
    }
}
