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
        case .number(let text): return finite(text, raw: raw)
        case .text(let text) where isDecimal(text): return finite(text, raw: raw)
        case .string(let text), .text(let text):
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
    private static func finite(_ text: String, raw: RawField) -> Checked<Double> {
        guard let number = Double(text) else { return .invalid(.valueNotNumber(raw)) }
        return number.isFinite ? .valid(number) : .invalid(.valueNotFinite(raw))
    }

    private static func integer(_ text: String, raw: RawField) -> Checked<Int64> {
        let digits = text.utf8.first == ASCII.minus ? text.utf8.dropFirst() : text.utf8[...]
        guard !digits.isEmpty, digits.allSatisfy(ASCII.isDigit) else { return .invalid(.idNotInteger(raw)) }
        guard let id = Int64(text) else { return .invalid(.idOutOfRange(text)) }
        return .valid(id)
    }

    /// Decimal notation: an optional sign, digits with an optional fraction (or a
    /// fraction alone), an optional exponent. Leaves out what Double(_:) would also
    /// take, such as hexadecimal floats and "nan".
    private static func isDecimal(_ text: String) -> Bool {
        var bytes = text.utf8[...]
        if let sign = bytes.first, sign == ASCII.plus || sign == ASCII.minus { bytes = bytes.dropFirst() }
        let whole = bytes.prefix(while: ASCII.isDigit)
        bytes = bytes.dropFirst(whole.count)
        var fraction = bytes.prefix(0)
        if bytes.first == ASCII.period {
            fraction = bytes.dropFirst().prefix(while: ASCII.isDigit)
            bytes = bytes.dropFirst(1 + fraction.count)
        }
        guard !whole.isEmpty || !fraction.isEmpty else { return false }
        if let e = bytes.first, e == ASCII.lowerE || e == ASCII.upperE {
            bytes = bytes.dropFirst()
            if let sign = bytes.first, sign == ASCII.plus || sign == ASCII.minus { bytes = bytes.dropFirst() }
            let exponent = bytes.prefix(while: ASCII.isDigit)
            guard !exponent.isEmpty else { return false }
            bytes = bytes.dropFirst(exponent.count)
        }
        return bytes.isEmpty
    }

    /// NaN or an infinity as encoders spell them, in any case and with either sign.
    private static func spellsNonFinite(_ text: String) -> Bool {
        var name = text.lowercased()[...]
        if name.first == "+" || name.first == "-" { name = name.dropFirst() }
        return name == "nan" || name == "inf" || name == "infinity"
    }
}
