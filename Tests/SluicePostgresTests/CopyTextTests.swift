import Testing
@testable import SluicePostgres

@Suite("COPY text escaping (no server)")
struct CopyTextTests {
    private func encode(_ fields: [String?]) throws -> String {
        var buffer: [UInt8] = []
        try CopyText.appendRow(fields, row: 0, columns: fields.indices.map { "c\($0)" }, to: &buffer)
        return String(decoding: buffer, as: UTF8.self)
    }

    @Test func framingCharactersAreEscaped() throws {
        let expected = [#"a\tb"#, #"line\nbreak"#, #"back\\slash"#, #"cr\r"#].joined(separator: "\t") + "\n"
        #expect(try encode(["a\tb", "line\nbreak", #"back\slash"#, "cr\r"]) == expected)
    }

    @Test func nullIsBackslashNAndEmptyIsEmpty() throws {
        #expect(try encode([nil, "", #"\N"#]) == [#"\N"#, "", #"\\N"#].joined(separator: "\t") + "\n")
    }

    @Test func unicodePassesThroughUnchanged() throws {
        #expect(try encode(["é👩‍👩‍👧"]) == "é👩‍👩‍👧\n")
    }

    @Test func nulIsRefusedNamingRowAndColumn() {
        var buffer: [UInt8] = []
        #expect {
            try CopyText.appendRow(["ok", "a\u{0}b"], row: 7, columns: ["id", "label"], to: &buffer)
        } throws: { error in
            let error = error as? PostgresError
            return error?.code == .encodingFailed && error?.message.contains("row 7") == true
                && error?.message.contains("'label'") == true
        }
    }
}
