import SluiceTestSupport
import Testing
import SluicePostgres

@Suite("COPY (server)")
struct CopyTests {
    /// Every 1000th label is one that breaks naive COPY framing, every 7th is NULL.
    private static func label(_ id: Int) -> String? {
        if id % 7 == 0 { return nil }
        if id % 1000 == 1 { return "tab\there\nnewline\\backslash\r\\N 👩‍👩‍👧 \(id)" }
        return "row \(id)"
    }

    @Test func copiesAHundredThousandRowsExactly() async throws {
        let count = 100_000
        try await withTestSchema { pool, schema in
            let copied = try await pool.withConnection { conn in
                try conn.execute("CREATE TABLE samples (id bigint PRIMARY KEY, label text, weight double precision)")
                let rows = (1...count).lazy.map { id -> [any PostgresEncodable] in
                    [id, Self.label(id), Double(id) / 4]
                }
                return try conn.copy(into: "samples", schema: schema, columns: ["id", "label", "weight"], rows: rows)
            }
            #expect(copied == count)
            let summary = try await pool.withConnection { conn in
                try conn.query("""
                    SELECT count(*) AS n, sum(id) AS id_sum, count(*) FILTER (WHERE label IS NULL) AS nulls,
                           sum(weight) AS weight_sum
                    FROM samples
                    """).single()
            }
            #expect(try summary.decode("n", as: Int.self) == count)
            #expect(try summary.decode("id_sum", as: Int.self) == count * (count + 1) / 2)
            #expect(try summary.decode("nulls", as: Int.self) == count / 7)
            #expect(try summary.decode("weight_sum", as: Double.self) == Double(count * (count + 1) / 2) / 4)
            let awkward = try await pool.withConnection { conn in
                try conn.query("SELECT id, label FROM samples WHERE id % 1000 = 1 ORDER BY id")
            }
            #expect(awkward.count == count / 1000)
            for row in awkward {
                let id = try row.decode("id", as: Int.self)
                #expect(try row.decode("label", as: String?.self) == Self.label(id))
            }
        }
    }

    @Test func aBadRowCopiesNothingAndLeavesTheConnectionUsable() async throws {
        try await withTestSchema(poolSize: 1) { pool, _ in
            let (nulError, widthError, serverError, remaining) = try await pool.withConnection { conn in
                try conn.execute("CREATE TABLE items (id int, name text)")
                let nulError = postgresError {
                    try conn.copy(into: "items", columns: ["id", "name"], rows: [[1, "fine"], [2, "bad\u{0}"]])
                }
                let widthError = postgresError {
                    try conn.copy(into: "items", columns: ["id", "name"], rows: [[1, "fine"], [2]])
                }
                let serverError = postgresError {
                    try conn.copy(into: "items", columns: ["id", "name"], rows: [[1, "fine"], ["not a number", "x"]])
                }
                let remaining = try conn.query("SELECT count(*) AS n FROM items").single().decode("n", as: Int.self)
                return (nulError?.code, widthError?.code, serverError?.sqlState, remaining)
            }
            #expect(nulError == .encodingFailed)
            #expect(widthError == .misuse)
            #expect(serverError == "22P02")
            #expect(remaining == 0)
        }
    }

    @Test func aMissingTableIsAServerError() async throws {
        try await withTestSchema { pool, _ in
            let error = try await pool.withConnection { conn in
                postgresError { try conn.copy(into: "absent", columns: ["id"], rows: [[1]]) }
            }
            #expect(error?.sqlState == "42P01")
        }
    }
}
