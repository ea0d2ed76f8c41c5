import Foundation
import SluiceTestSupport
import Testing
import SluicePostgres

@Suite("Parameters and values (server)")
struct ParameterTests {
    @Test func awkwardTextRoundTripsByteForByte() async throws {
        let values: [String] = [
            "it's \"quoted\" `twice`",
            "emoji 👩‍👩‍👧 and flags 🇳🇴",
            "e\u{301} combining, not precomposed",
            "tab\tnewline\ncarriage\rbackslash\\",
            "",
            String(repeating: "ab'\"\\€\n", count: 1_048_576 / 9),
        ]
        try await withTestSchema { pool, _ in
            try await pool.withConnection { conn in
                try conn.execute("CREATE TABLE texts (id int PRIMARY KEY, body text)")
                for (index, value) in values.enumerated() {
                    try conn.execute("INSERT INTO texts (id, body) VALUES (\(Int32(index)), \(value))")
                }
                try conn.execute("INSERT INTO texts (id, body) VALUES (\(Int32(values.count)), \(nil as String?))")
            }
            let rows = try await pool.withConnection { conn in
                try conn.query("SELECT id, body, octet_length(body) AS bytes FROM texts ORDER BY id")
            }
            #expect(rows.count == values.count + 1)
            for (index, value) in values.enumerated() {
                let body = try rows[index].decode("body", as: String.self)
                // Compare bytes: String equality would treat é and e + U+0301 as equal.
                #expect(Array(body.utf8) == Array(value.utf8), "row \(index)")
                #expect(try rows[index].decode("bytes", as: Int.self) == value.utf8.count)
            }
            #expect(try rows[values.count].decode("body", as: String?.self) == nil)
            #expect(values.last!.utf8.count > 1_000_000)
        }
    }

    @Test func aSQLInjectionStringIsStoredVerbatim() async throws {
        let evil = "'); DROP TABLE victims; --"
        try await withTestSchema { pool, _ in
            let stored = try await pool.withConnection { conn in
                try conn.execute("CREATE TABLE victims (name text)")
                try conn.execute("INSERT INTO victims (name) VALUES (\(evil))")
                return try conn.query("SELECT name FROM victims WHERE name = \(evil)").single().decode("name", as: String.self)
            }
            #expect(stored == evil)
            let stillThere = try await pool.withConnection { conn in
                try conn.query("SELECT to_regclass('victims') IS NOT NULL AS present").single().decode("present", as: Bool.self)
            }
            #expect(stillThere)
        }
    }

    @Test func everySupportedTypeRoundTrips() async throws {
        struct Config: Codable, Equatable {
            var gpu: Bool
            var label: String
        }
        let id = UUID()
        let instant = Date(timeIntervalSince1970: 1_700_000_000.123456)
        let bytes = [UInt8](0...255)
        let config = Config(gpu: true, label: "ünïcode \"quoted\"")
        try await withTestSchema { pool, _ in
            let row = try await pool.withConnection { conn in
                try conn.execute("""
                    CREATE TABLE everything (
                        i bigint, i32 integer, i64 bigint, d double precision, nan double precision,
                        inf double precision, b boolean, u uuid, t timestamptz, bin bytea, j jsonb, raw jsonb, n integer
                    )
                    """)
                try conn.execute("""
                    INSERT INTO everything VALUES (
                        \(Int.max), \(Int32.min), \(Int64.min), \(Double.pi), \(Double.nan), \(-Double.infinity),
                        \(true), \(id), \(instant), \(bytes), \(try PostgresJSON(config)), \(PostgresJSON(rawJSON: #"{"k": [1, 2]}"#)),
                        \(nil as Int32?)
                    )
                    """)
                return try conn.query("SELECT * FROM everything").single()
            }
            #expect(try row.decode("i", as: Int.self) == .max)
            #expect(try row.decode("i32", as: Int32.self) == .min)
            #expect(try row.decode("i64", as: Int64.self) == .min)
            #expect(try row.decode("d", as: Double.self) == .pi)
            #expect(try row.decode("nan", as: Double.self).isNaN)
            #expect(try row.decode("inf", as: Double.self) == -.infinity)
            #expect(try row.decode("b", as: Bool.self))
            #expect(try row.decode("u", as: UUID.self) == id)
            #expect(abs(try row.decode("t", as: Date.self).timeIntervalSince(instant)) < 1e-6)
            #expect(try row.decode("bin", as: [UInt8].self) == bytes)
            #expect(try row.decode("j", as: PostgresJSON.self).decode(Config.self) == config)
            #expect(try row.decode("raw", as: PostgresJSON.self).text == #"{"k": [1, 2]}"#)
            #expect(try row.decode("n", as: Int32?.self) == nil)
            #expect(try row.decode(7, as: UUID.self) == id)
        }
    }

    @Test func nullIntoANonOptionalNamesTheColumn() async throws {
        let row = try await withPool(TestDatabase.configuration()) { pool in
            try await pool.withConnection { try $0.query("SELECT NULL::int AS missing, 'x' AS word").single() }
        }
        #expect {
            try row.decode("missing", as: Int.self)
        } throws: { error in
            let error = error as? PostgresError
            return error?.code == .decodingFailed && error?.message.contains("'missing'") == true
        }
        #expect {
            try row.decode("word", as: Int.self)
        } throws: { error in
            (error as? PostgresError)?.message.contains("'word'") == true
        }
        #expect(throws: PostgresError.self) { try row.decode("absent", as: String.self) }
    }

    @Test func aNULCharacterIsRefusedBeforeSending() async throws {
        let error = try await withPool(TestDatabase.configuration()) { pool in
            try await #require(throws: PostgresError.self) {
                try await pool.withConnection { try $0.query("SELECT \("a\u{0}b") AS v") }
            }
        }
        #expect(error.code == .encodingFailed)
        #expect(error.message.contains("$1"))
    }

    @Test func aServerErrorCarriesSQLStateMessageAndContext() async throws {
        let error = try await withPool(TestDatabase.configuration()) { pool in
            try await #require(throws: PostgresError.self) {
                try await pool.withConnection { try $0.query("SELECT * FROM no_such_table_anywhere WHERE name = \("secret-7f3a")") }
            }
        }
        #expect(error.code == .serverError)
        #expect(error.sqlState == "42P01")
        #expect(error.message.contains("no_such_table_anywhere"))
        #expect(error.context == "SELECT * FROM no_such_table_anywhere WHERE name = $1")
        #expect(!error.description.contains("secret-7f3a"))
    }
}
