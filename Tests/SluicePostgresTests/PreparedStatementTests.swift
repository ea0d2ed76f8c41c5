import Foundation
import SluiceTestSupport
import Testing
import SluicePostgres

@Suite("Prepared statements (server)")
struct PreparedStatementTests {
    @Test func aStatementRunAgainIsPreparedOnceInTheSession() async throws {
        try await withTestSchema { pool, _ in
            let (sums, prepared) = try await pool.withConnection { conn in
                let sums = try (1...5).map { n in
                    try conn.query("SELECT \(n) + 1 AS sum").single().decode("sum", as: Int.self)
                }
                let prepared = try conn.query("SELECT count(*) AS n FROM pg_prepared_statements WHERE statement = 'SELECT $1 + 1 AS sum'")
                    .single().decode("n", as: Int.self)
                return (sums, prepared)
            }
            #expect(sums == [2, 3, 4, 5, 6])
            #expect(prepared == 1)
        }
    }

    @Test func aStatementWhoseTableChangedIsPreparedAgain() async throws {
        try await withTestSchema { pool, _ in
            let columns = try await pool.withConnection { conn -> [String] in
                try conn.execute("CREATE TABLE widened (a int)")
                try conn.execute("INSERT INTO widened VALUES (\(Int32(1)))")
                _ = try conn.query("SELECT * FROM widened WHERE a = \(Int32(1))")
                try conn.execute("ALTER TABLE widened ADD COLUMN b text DEFAULT 'new'")
                // The server may refuse the old plan once ("cached plan must not change
                // result type"); the session then prepares the statement again.
                if let error = postgresError({ _ = try conn.query("SELECT * FROM widened WHERE a = \(Int32(1))") }) {
                    #expect(error.sqlState == "0A000", "\(error)")
                }
                return try conn.query("SELECT * FROM widened WHERE a = \(Int32(1))").columns
            }
            #expect(columns == ["a", "b"])
        }
    }

    @Test func anErrorAtPreparationIsTheServersAndLeavesTheSessionUsable() async throws {
        try await withTestSchema { pool, _ in
            try await pool.withConnection { conn in
                let error = postgresError { _ = try conn.query("SELECT * FROM no_such_table WHERE x = \(1)") }
                #expect(error?.sqlState == "42P01")
                #expect(error?.context?.contains("no_such_table") == true)
                try conn.execute("CREATE TABLE no_such_table (x bigint)")
                #expect(try conn.query("SELECT * FROM no_such_table WHERE x = \(1)").count == 0)
            }
        }
    }
}
