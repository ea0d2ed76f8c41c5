import Foundation
import SluiceTestSupport
import Testing
@testable import SluicePostgres

@Suite("Migrator (server)")
struct MigratorTests {
    private static let twoMigrations = [
        // Plain CREATE TABLE: applying a migration twice would fail loudly.
        "0001_create_things.sql": "CREATE TABLE things (id int PRIMARY KEY);\nINSERT INTO things VALUES (1);",
        "0002_add_name.sql": "ALTER TABLE things ADD COLUMN name text;",
    ]

    @Test func twoMigratorsAtOnceApplyEachMigrationOnce() async throws {
        let directory = try makeDirectory(Self.twoMigrations)
        defer { try? FileManager.default.removeItem(at: directory) }
        try await withTestSchema { pool, schema in
            try await withPool(TestDatabase.configuration(searchPath: [schema])) { otherPool in
                async let first = Migrator(pool: pool, directory: directory, logger: TestDatabase.logger).migrate()
                async let second = Migrator(pool: otherPool, directory: directory, logger: TestDatabase.logger).migrate()
                let versions = try await [first, second]
                #expect(versions == [2, 2])
            }
            let (recorded, rows) = try await pool.withConnection { conn in
                (
                    try conn.query("SELECT version, name FROM schema_migrations ORDER BY version")
                        .map { "\(try $0.decode("version", as: Int.self)) \(try $0.decode("name", as: String.self))" },
                    try conn.query("SELECT count(*) AS n FROM things").single().decode("n", as: Int.self)
                )
            }
            #expect(recorded == ["1 create_things", "2 add_name"])
            #expect(rows == 1)
            #expect(try await Migrator(pool: pool, directory: directory, logger: TestDatabase.logger).migrate() == 2)
        }
    }

    /// Each test suite migrates a schema of its own in one database: a migration into
    /// one schema must not wait behind another schema's (it did, and timed out under load).
    @Test func aMigrationWaitsOnlyForMigrationsIntoItsOwnSchema() async throws {
        let directory = try makeDirectory(Self.twoMigrations)
        defer { try? FileManager.default.removeItem(at: directory) }
        try await withTestSchema { busyPool, busySchema in
            try await withTestSchema { freePool, _ in
                // A session-level hold on the busy schema's lock, kept until the pool closes.
                try await withPool(TestDatabase.configuration(poolSize: 1, searchPath: [busySchema])) { holder in
                    try await holder.withConnection { connection in
                        try connection.execute(
                            "SELECT pg_advisory_lock(\(Migrator.advisoryLockClass), hashtext(\(busySchema)))"
                        )
                    }
                    // Waiting on the busy schema's lock would end in a lock timeout, not in 2.
                    #expect(try await Migrator(pool: freePool, directory: directory, logger: TestDatabase.logger).migrate() == 2)

                    var impatient = TestDatabase.configuration(searchPath: [busySchema])
                    impatient.lockTimeout = .milliseconds(200)
                    try await withPool(impatient) { impatientPool in
                        let error = await #expect(throws: PostgresError.self) {
                            try await Migrator(pool: impatientPool, directory: directory, logger: TestDatabase.logger).migrate()
                        }
                        #expect(error?.sqlState == "55P03", "the busy schema's migration waits on the held lock")
                    }
                }
                #expect(try await Migrator(pool: busyPool, directory: directory, logger: TestDatabase.logger).migrate() == 2)
            }
        }
    }

    @Test func aChangedMigrationIsRefusedNamingTheFile() async throws {
        let directory = try makeDirectory(Self.twoMigrations)
        defer { try? FileManager.default.removeItem(at: directory) }
        try await withTestSchema { pool, _ in
            let migrator = Migrator(pool: pool, directory: directory, logger: TestDatabase.logger)
            try await migrator.migrate()
            try Data("ALTER TABLE things ADD COLUMN nickname text;".utf8)
                .write(to: directory.appendingPathComponent("0002_add_name.sql"))
            let error = try await #require(throws: PostgresError.self) { try await migrator.migrate() }
            #expect(error.code == .invalidMigration)
            #expect(error.message.contains("0002_add_name.sql"))
        }
    }

    @Test func aFailingMigrationLeavesNothingBehind() async throws {
        let directory = try makeDirectory([
            "0001_create_things.sql": "CREATE TABLE things (id int);",
            "0002_broken.sql": "ALTER TABLE things ADD COLUMN oops nonexistent_type;",
        ])
        defer { try? FileManager.default.removeItem(at: directory) }
        try await withTestSchema { pool, _ in
            let error = try await #require(throws: PostgresError.self) {
                try await Migrator(pool: pool, directory: directory, logger: TestDatabase.logger).migrate()
            }
            #expect(error.sqlState == "42704")
            #expect(error.context?.contains("0002_broken.sql") == true)
            let leftovers = try await pool.withConnection { conn in
                try conn.query("SELECT to_regclass('things') IS NULL AND to_regclass('schema_migrations') IS NULL AS clean")
                    .single().decode("clean", as: Bool.self)
            }
            #expect(leftovers)
        }
    }

    @Test func aMigrationThatCommitsOnItsOwnIsRefused() async throws {
        let directory = try makeDirectory(["0001_sneaky.sql": "CREATE TABLE t (id int); COMMIT;"])
        defer { try? FileManager.default.removeItem(at: directory) }
        try await withTestSchema { pool, _ in
            let error = try await #require(throws: PostgresError.self) {
                try await Migrator(pool: pool, directory: directory, logger: TestDatabase.logger).migrate()
            }
            #expect(error.code == .invalidMigration)
            #expect(error.message.contains("0001_sneaky.sql"))
        }
    }

    @Test func theRepositoryMigrationsApplyAndDocumentEveryColumn() async throws {
        let directory = repositoryRoot.appendingPathComponent("infra/migrations")
        try await withTestSchema { pool, schema in
            let migrator = Migrator(pool: pool, directory: directory, logger: TestDatabase.logger)
            let version = try await migrator.migrate()
            #expect(version >= 1)
            #expect(try await migrator.migrate() == version)
            let (relations, undocumented) = try await pool.withConnection { conn in
                let relations = try conn.query("""
                    SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                    WHERE n.nspname = \(schema) AND c.relkind IN ('r', 'v') ORDER BY c.relname
                    """).map { try $0.decode("relname", as: String.self) }
                let undocumented = try conn.query("""
                    SELECT c.relname || coalesce('.' || a.attname, '') AS object
                    FROM pg_class c
                    JOIN pg_namespace n ON n.oid = c.relnamespace
                    LEFT JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
                    WHERE n.nspname = \(schema) AND c.relkind IN ('r', 'v')
                      AND (obj_description(c.oid, 'pg_class') IS NULL
                           OR (a.attnum IS NOT NULL AND col_description(c.oid, a.attnum) IS NULL))
                    ORDER BY 1
                    """).map { try $0.decode("object", as: String.self) }
                return (relations, undocumented)
            }
            let documented: Set = ["job_history", "job_metrics", "job_results", "jobs", "schema_migrations", "stage_attempts", "stage_latency"]
            #expect(documented.isSubset(of: relations))
            #expect(undocumented == [])
        }
    }

    @Test func theJobHistoryViewsComputeDurationsAndRefuseWrites() async throws {
        let directory = repositoryRoot.appendingPathComponent("infra/migrations")
        let job = UUID()
        try await withTestSchema { pool, _ in
            try await Migrator(pool: pool, directory: directory, logger: TestDatabase.logger).migrate()
            let base = Date(timeIntervalSince1970: 1_700_000_000)
            let (history, latency, writeError) = try await pool.withConnection { conn in
                try conn.execute("""
                    INSERT INTO jobs (job_id, source, status, submitted_at, started_at, finished_at, record_count)
                    VALUES (\(job), 'http', 'completed', \(base), \(base.addingTimeInterval(1)), \(base.addingTimeInterval(12.5)), \(Int32(3)))
                    """)
                try conn.execute("""
                    INSERT INTO stage_attempts (job_id, stage, attempt, worker, device, enqueued_at, started_at, finished_at, outcome)
                    VALUES (\(job), 'normalize', \(Int32(1)), 'host:1', 'cuda:0', \(base), \(base.addingTimeInterval(2)), \(base.addingTimeInterval(2.25)), 'succeeded')
                    """)
                try conn.execute("INSERT INTO job_results (job_id, summary) VALUES (\(job), \(PostgresJSON(rawJSON: "{}")))")
                let history = try conn.query("SELECT duration_seconds, has_results FROM job_history WHERE job_id = \(job)").single()
                let latency = try conn.query("SELECT queue_wait_seconds, service_seconds FROM stage_latency WHERE job_id = \(job)").single()
                let writeError = postgresError { try conn.execute("DELETE FROM stage_latency WHERE job_id = \(job)") }
                return (history, latency, writeError)
            }
            #expect(try history.decode("duration_seconds", as: Double.self) == 12.5)
            #expect(try history.decode("has_results", as: Bool.self))
            #expect(try latency.decode("queue_wait_seconds", as: Double.self) == 2)
            #expect(try latency.decode("service_seconds", as: Double.self) == 0.25)
            #expect(writeError?.sqlState == "0A000")
            #expect(writeError?.message.contains("read-only") == true)
        }
    }

    @Test func theJobsTableEnforcesItsStates() async throws {
        let directory = repositoryRoot.appendingPathComponent("infra/migrations")
        try await withTestSchema { pool, _ in
            try await Migrator(pool: pool, directory: directory, logger: TestDatabase.logger).migrate()
            let errors = try await pool.withConnection { conn in
                [
                    postgresError { try conn.execute("INSERT INTO jobs (job_id, source, status) VALUES (\(UUID()), 'http', 'exploded')") },
                    postgresError { try conn.execute("INSERT INTO jobs (job_id, source, failed_stage) VALUES (\(UUID()), 'http', 'spark')") },
                    postgresError {
                        try conn.execute("INSERT INTO jobs (job_id, source, submitted_at, finished_at) VALUES (\(UUID()), 'cli', now(), now() - interval '1 s')")
                    },
                    postgresError { try conn.execute("INSERT INTO jobs (job_id, source, idempotency_key) VALUES (\(UUID()), 'amqp', 'k'), (\(UUID()), 'amqp', 'k')") },
                ].map { $0?.sqlState }
            }
            #expect(errors == ["23514", "23514", "23514", "23505"])
        }
    }
}
