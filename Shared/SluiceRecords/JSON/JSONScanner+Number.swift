extension JSONScanner {
    /// Reads a number and returns its literal text, which keeps `1` and `1.0` apart and
    /// lets the reader of `1e999` see that it overflows.
    mutating func readNumber() throws(SubmissionError) -> String {
        let start = offset
        if bytes[offset] == ASCII.minus {
            offset += 1
            if offset < end, bytes[offset] == ASCII.upperI {
                throw error("NaN and Infinity are not JSON; values must be finite numbers")
            }
        }
        guard offset < end, ASCII.isDigit(bytes[offset]) else { throw error("expected a digit") }
        if bytes[offset] == ASCII.zero {
            offset += 1
            if offset < end, ASCII.isDigit(bytes[offset]) { throw error("numbers must not have leading zeros") }
        } else {
            skipDigits()
        }
        if offset < end, bytes[offset] == ASCII.period {
            offset += 1
            guard offset < end, ASCII.isDigit(bytes[offset]) else { throw error("expected a digit after the decimal point") }
            skipDigits()
        }
        if offset < end, bytes[offset] == ASCII.lowerE || bytes[offset] == ASCII.upperE {
            offset += 1
            if offset < end, bytes[offset] == ASCII.plus || bytes[offset] == ASCII.minus { offset += 1 }
            guard offset < end, ASCII.isDigit(bytes[offset]) else { throw error("expected a digit in the exponent") }
            skipDigits()
        }
        return String(decoding: bytes[start..<offset], as: UTF8.self)
    }

    private mutating func skipDigits() {
        while offset < end, ASCII.isDigit(bytes[offset]) { offset += 1 }
    }
}
