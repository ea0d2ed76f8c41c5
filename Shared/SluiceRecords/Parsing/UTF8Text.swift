/// Turns body bytes into strings, refusing invalid UTF-8.
enum UTF8Text {
    /// The string the bytes spell, or nil when they are not valid UTF-8. Readers say
    /// whether they saw a non-ASCII byte: ASCII needs no validation, and skipping it is
    /// several times faster on the short strings records are made of.
    static func decode(_ bytes: some Collection<UInt8>, nonASCII: Bool) -> String? {
        nonASCII ? String(validating: bytes, as: UTF8.self) : String(decoding: bytes, as: UTF8.self)
    }
}
