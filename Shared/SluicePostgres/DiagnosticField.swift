/// Codes for `PQresultErrorField`. libpq defines them as character macros
/// (`PG_DIAG_SQLSTATE` is `'C'`), which Swift does not import.
enum DiagnosticField {
    static let severity = code("V")
    static let sqlState = code("C")
    static let messagePrimary = code("M")
    static let messageDetail = code("D")
    static let messageHint = code("H")

    private static func code(_ letter: Unicode.Scalar) -> Int32 {
        Int32(UInt8(ascii: letter))
    }
}
