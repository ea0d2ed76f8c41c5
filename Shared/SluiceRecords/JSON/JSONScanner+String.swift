extension JSONScanner {
    /// Reads a string starting at its opening quote, decoding escapes and requiring
    /// valid UTF-8.
    mutating func readString() throws(SubmissionError) -> String {
        let opening = location
        offset += 1
        // Most strings have no escape: they are decoded straight from the body.
        var unescaped: [UInt8]?
        var nonASCII = false
        var segmentStart = offset
        while true {
            guard offset < end else { throw error("unterminated string", at: opening) }
            let byte = bytes[offset]
            if byte == ASCII.quote { break }
            if byte == ASCII.backslash {
                var buffer = unescaped.take() ?? []
                buffer.append(contentsOf: bytes[segmentStart..<offset])
                try readEscape(into: &buffer)
                unescaped = buffer
                segmentStart = offset
            } else if byte < ASCII.space {
                throw error(byte == ASCII.newline ? "unterminated string (a line break must be written \\n)" : "control character \(describe(byte)) in a string must be escaped")
            } else {
                if byte >= 0x80 {
                    nonASCII = true
                    lines.passNonASCII(byte)
                }
                offset += 1
            }
        }
        let decoded: String?
        if var unescaped {
            unescaped.append(contentsOf: bytes[segmentStart..<offset])
            decoded = UTF8Text.decode(unescaped, nonASCII: nonASCII)
        } else {
            decoded = UTF8Text.decode(bytes[segmentStart..<offset], nonASCII: nonASCII)
        }
        offset += 1
        guard let decoded else { throw error("string is not valid UTF-8", at: opening) }
        return decoded
    }

    private mutating func readEscape(into buffer: inout [UInt8]) throws(SubmissionError) {
        let escape = location
        offset += 1
        guard offset < end else { throw error("unterminated string", at: escape) }
        let byte = bytes[offset]
        offset += 1
        switch byte {
        case ASCII.quote, ASCII.backslash, ASCII.slash: buffer.append(byte)
        case UInt8(ascii: "b"): buffer.append(0x08)
        case UInt8(ascii: "f"): buffer.append(0x0C)
        case ASCII.lowerN: buffer.append(ASCII.newline)
        case UInt8(ascii: "r"): buffer.append(ASCII.carriageReturn)
        case ASCII.lowerT: buffer.append(ASCII.tab)
        case ASCII.lowerU:
            var scalar = UInt32(try readHex4(escape))
            if (0xD800..<0xDC00).contains(scalar) {
                guard bytes[offset..<end].starts(with: [ASCII.backslash, ASCII.lowerU]) else {
                    throw error("\\u escape is half of a surrogate pair", at: escape)
                }
                offset += 2
                let low = UInt32(try readHex4(escape))
                guard (0xDC00..<0xE000).contains(low) else {
                    throw error("\\u escape is half of a surrogate pair", at: escape)
                }
                scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
            } else if (0xDC00..<0xE000).contains(scalar) {
                throw error("\\u escape is half of a surrogate pair", at: escape)
            }
            // Surrogates are excluded above, so every remaining value is a scalar.
            buffer.append(contentsOf: String(Character(Unicode.Scalar(scalar)!)).utf8)
        default:
            throw error("invalid escape '\\\(Character(Unicode.Scalar(byte)))'", at: escape)
        }
    }

    private mutating func readHex4(_ escape: SourceLocation) throws(SubmissionError) -> UInt16 {
        guard end - offset >= 4,
              let text = String(validating: bytes[offset..<offset + 4], as: UTF8.self),
              text.allSatisfy(\.isHexDigit),
              let value = UInt16(text, radix: 16)
        else {
            throw error("\\u must be followed by four hexadecimal digits", at: escape)
        }
        offset += 4
        return value
    }
}
