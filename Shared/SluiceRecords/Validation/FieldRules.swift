/// How raw fields become typed ones. JSON fields must have the right JSON type; CSV text
/// is read as the JSON literal of that type would be, so both formats accept and refuse
/// the same values.
enum FieldRules {
    /// A field's typed value, or why it has none.
    enum Checked<Value> {
        case valid(Value)
        case invalid(InvalidReason)
    }

    /// An id is an integer literal within Int64: `1.0`, `1e3` and `"7"` are refused,
    /// because a float or string id says the producer is not sending what it means to.
    static func id(_ raw: RawField?) -> Checked<Int64> {
        guard let raw else { return .invalid(.missingField(.id)) }
        switch raw {
        case .text(""): return .invalid(.missingField(.id))
        case .null: return .invalid(.nullField(.id))
        case .number(let text), .text(let text): return integer(text, raw: raw)
        case .bool, .string, .array, .object: return .invalid(.idNotInteger(raw))
        }
    }

    /// A value is a finite number. The strings `"NaN"` and `"Infinity"` count as
    /// non-finite rather than as strings: that is what their producer meant.
    static func value(_ raw: RawField?) -> Checked<Double> {
        guard let raw else { return .invalid(.missingField(.value)) }
        switch raw {
        case .text(""): return .invalid(.missingField(.value))
        case .null: return .invalid(.nullField(.value))
        // A JSON number is decimal notation: the scanner checked it.
        case .number(let text): return finite(DecimalText.value(text), raw: raw)
        case .text(let text):
            if let number = DecimalText.value(text) { return finite(number, raw: raw) }
            return .invalid(spellsNonFinite(text) ? .valueNotFinite(raw) : .valueNotNumber(raw))
        case .string(let text):
            return .invalid(spellsNonFinite(text) ? .valueNotFinite(raw) : .valueNotNumber(raw))
        case .bool, .array, .object: return .invalid(.valueNotNumber(raw))
        }
    }

    /// A category is a non-empty string of at most `maxBytes` UTF-8 bytes without NUL.
    static func category(_ raw: RawField?, maxBytes: Int) -> Checked<String> {
        guard let raw else { return .invalid(.missingField(.category)) }
        switch raw {
        case .null: return .invalid(.nullField(.category))
        case .string(let text), .text(let text):
            if text.isEmpty { return .invalid(.categoryEmpty) }
            if text.utf8.count > maxBytes { return .invalid(.categoryTooLong(bytes: text.utf8.count, limit: maxBytes)) }
            if text.utf8.contains(0) { return .invalid(.categoryContainsNUL) }
            return .valid(text)
        case .bool, .number, .array, .object: return .invalid(.categoryNotString(raw))
        }
    }

    /// A decimal literal's value when finite; `1e999` overflows to infinity and is refused.
    private static func finite(_ number: Double?, raw: RawField) -> Checked<Double> {
        guard let number else { return .invalid(.valueNotNumber(raw)) }
        return number.isFinite ? .valid(number) : .invalid(.valueNotFinite(raw))
    }

    private static func integer(_ text: String, raw: RawField) -> Checked<Int64> {
        var text = text
        let parsed: Int64?? = text.withUTF8 { bytes in
            let negative = bytes.first == ASCII.minus
            let digits = negative ? UnsafeBufferPointer(rebasing: bytes.dropFirst()) : bytes
            guard !digits.isEmpty else { return nil }
            // Accumulated towards the sign, so that Int64.min fits.
            var value: Int64 = 0
            var inRange = true
            for byte in digits {
                guard ASCII.isDigit(byte) else { return nil }
                let digit = Int64(byte - ASCII.zero)
                let (shifted, overflowed) = value.multipliedReportingOverflow(by: 10)
                let (next, overflowedAgain) = negative ? shifted.subtractingReportingOverflow(digit) : shifted.addingReportingOverflow(digit)
                if overflowed || overflowedAgain { inRange = false }
                value = next
            }
            return .some(inRange ? value : nil)
        }
        switch parsed {
        case .none: return .invalid(.idNotInteger(raw))
        case .some(.none): return .invalid(.idOutOfRange(text))
        case .some(.some(let id)): return .valid(id)
        }
    }

    /// NaN or an infinity as encoders spell them, in any case and with either sign.
    private static func spellsNonFinite(_ text: String) -> Bool {
        var name = text.lowercased()[...]
        if name.first == "+" || name.first == "-" { name = name.dropFirst() }
        return name == "nan" || name == "inf" || name == "infinity"
    }
}
