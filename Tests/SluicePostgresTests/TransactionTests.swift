import SluiceTestSupport
import Testing
import SluicePostgres

@Suite("Transactions and constraint errors (server)")
struct TransactionTests {
    struct Boom: Error {}

    @Test func anErrorRollsEverythingBack() async throws {
        try await withTestSchema { pool, _ in
            try await pool.withConnection { try $0.execute("CREATE TABLE ledger (id int PRIMARY KEY)") }
            await #expect(throws: Boom.self) {
                try await pool.withTransaction { conn in
                    try conn.execute("INSERT INTO ledger VALUES (\(Int32(1))), (\(Int32(2)))")
                    throw Boom()
                }
            }
            let count = try await pool.withConnection { conn in
                try conn.query("SELECT count(*) AS n FROM ledger").single().decode("n", as: Int.self)
            }
            #expect(count == 0)
            let committed = try await pool.withTransaction { conn in
                try conn.execute("INSERT INTO ledger VALUES (\(Int32(3)))")
            }
            #expect(committed == 1)
        }
    }

    @Test func aUniqueViolationCarriesSQLState23505AndTheServersMessage() async throws {
        try await withTestSchema { pool, _ in
            try await pool.withConnection { conn in
                try conn.execute("CREATE TABLE keyed (key text CONSTRAINT keyed_key_unique UNIQUE)")
                try conn.execute("INSERT INTO keyed VALUES (\("a"))")
            }
            let error = try await #require(throws: PostgresError.self) {
                try await pool.withTransaction { try $0.execute("INSERT INTO keyed VALUES (\("a"))") }
            }
            #expect(error.isUniqueViolation)
            #expect(error.sqlState == "23505")
            #expect(error.code == .serverError)
            #expect(error.message.contains("keyed_key_unique"))
            #expect(error.detail?.contains("already exists") == true)
            #expect(error.description.contains("23505"))
        }
    }

    @Test func aSwallowedStatementErrorCannotCommitSilently() async throws {
        try await withTestSchema { pool, _ in
            try await pool.withConnection { try $0.execute("CREATE TABLE pairs (id int PRIMARY KEY)") }
            let error = try await #require(throws: PostgresError.self) {
                try await pool.withTransaction { conn in
                    try conn.execute("INSERT INTO pairs VALUES (1)")
                    _ = try? conn.execute("INSERT INTO pairs VALUES (1)")
                }
            }
            #expect(error.sqlState == "25P02")
            let count = try await pool.withConnection { try $0.query("SELECT count(*) AS n FROM pairs").single().decode("n", as: Int.self) }
            #expect(count == 0)
        }
    }

    @Test func transactionsDoNotNest() async throws {
        let error = try await withPool(TestDatabase.configuration()) { pool in
            try await #require(throws: PostgresError.self) {
                try await pool.withTransaction { conn in try conn.transaction { _ in } }
            }
        }
        #expect(error.code == .misuse)
    }

    @Test func aTransactionLeftOpenIsRolledBackBeforeReuse() async throws {
        try await withTestSchema(poolSize: 1) { pool, _ in
            try await pool.withConnection { try $0.execute("CREATE TABLE scratch (id int)") }
            try await pool.withConnection { conn in
                try conn.execute("BEGIN")
                try conn.execute("INSERT INTO scratch VALUES (1)")
            }
            let (count, inTransaction) = try await pool.withConnection { conn in
                (
                    try conn.query("SELECT count(*) AS n FROM scratch").single().decode("n", as: Int.self),
                    // The abandoned INSERT took a transaction id; a fresh transaction has none yet.
                    try conn.query("SELECT txid_current_if_assigned() IS NOT NULL AS open").single().decode("open", as: Bool.self)
                )
            }
            #expect(count == 0)
            #expect(!inTransaction)
        }
    }
}
