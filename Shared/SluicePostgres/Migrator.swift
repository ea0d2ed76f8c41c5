import CLibPQ
import Foundation
import Logging

/// Brings the database schema up to date from versioned SQL files, at service start.
///
/// Files are named `NNNN_name.sql` and applied in version order, each at most once.
/// Everything happens in one transaction that first takes a transaction-level
/// advisory lock on the target schema (the first of the `search_path`), so services
/// starting together apply each migration once: the others wait on the lock, then
/// find the work done. Migrations into different schemas of one database do not
/// wait on each other. The applied versions are
/// recorded in `schema_migrations` with the SHA-256 of each file; editing a file
/// after it was applied is refused (write a new migration instead).
///
/// The migration runs under the pool's statement and lock timeouts; a service that
/// waits on another's migration longer than the lock timeout fails to start and
/// is restarted.
public struct Migrator: Sendable {
    /// Where the `NNNN_name.sql` files are.
    public let directory: URL
    private let pool: PostgresPool
    private let logger: Logger

    /// The first half of the lock's key, arbitrary but fixed ("sluM" in ASCII); the
    /// second half is a hash of the schema's name.
    static let advisoryLockClass: Int32 = 0x736C_754D

    /// Creates a migrator that runs on `pool`.
    ///
    /// - Parameters:
    ///   - pool: the pool whose `search_path` decides where unqualified tables go.
    ///   - directory: the migrations; default ``defaultDirectory(environment:)``.
    ///   - logger: receives one line per migration applied.
    public init(pool: PostgresPool, directory: URL = Migrator.defaultDirectory(), logger: Logger) {
        self.pool = pool
        self.directory = directory
        self.logger = logger
    }

    /// The directory named by `SLUICE_MIGRATIONS_DIR`; default `infra/migrations`,
    /// relative to the current working directory.
    public static func defaultDirectory(environment: [String: String] = ProcessInfo.processInfo.environment) -> URL {
        URL(fileURLWithPath: environment["SLUICE_MIGRATIONS_DIR"] ?? "infra/migrations")
    }

    /// Applies every migration not yet recorded.
    ///
    /// - Returns: the schema version, the highest version recorded (0 when none).
    /// - Throws: ``PostgresError``: ``PostgresError/Code/invalidMigration`` naming the
    ///   file for a misnamed file or an applied file whose checksum changed; the
    ///   server's error for a migration that fails (nothing of this run is kept).
    @discardableResult
    public func migrate() async throws -> Int {
        let (directory, logger) = (directory, logger)
        return try await pool.withTransaction { connection in
            // Read here, on the connection's thread, to keep file I/O off the cooperative pool.
            let files = try MigrationFile.load(from: directory)
            try connection.execute(
                "SELECT pg_advisory_xact_lock(\(Self.advisoryLockClass), hashtext(coalesce(current_schema(), '')))"
            )
            let exists = try connection.query("SELECT to_regclass('schema_migrations') IS NOT NULL AS present")
                .single().decode("present", as: Bool.self)
            if !exists { try connection.executeScript(Self.createSchemaMigrations) }
            var applied: [Int: String] = [:]
            for row in try connection.query("SELECT version, checksum FROM schema_migrations") {
                applied[try row.decode("version", as: Int.self)] = try row.decode("checksum", as: String.self)
            }
            for file in files {
                if let checksum = applied[file.version] {
                    guard checksum == file.checksum else {
                        throw PostgresError(
                            code: .invalidMigration,
                            message: "migration \(file.fileName) was changed after it was applied "
                                + "(recorded checksum \(checksum), file now \(file.checksum)); add a new migration instead"
                        )
                    }
                    continue
                }
                try apply(file, on: connection, logger: logger)
            }
            return try connection.query("SELECT coalesce(max(version), 0) AS version FROM schema_migrations")
                .single().decode("version", as: Int.self)
        }
    }

    /// Checked for first so that a routine start writes nothing to the catalog.
    private static let createSchemaMigrations = """
        CREATE TABLE IF NOT EXISTS schema_migrations (
            version int PRIMARY KEY,
            name text NOT NULL,
            checksum text NOT NULL,
            applied_at timestamptz NOT NULL DEFAULT now()
        );
        COMMENT ON TABLE schema_migrations IS 'Migrations applied from infra/migrations, one row per file; written only by the services'' migrator.';
        COMMENT ON COLUMN schema_migrations.version IS 'The NNNN of the file NNNN_name.sql.';
        COMMENT ON COLUMN schema_migrations.name IS 'The name part of the file name.';
        COMMENT ON COLUMN schema_migrations.checksum IS 'SHA-256 of the file as applied (hex); a file changed afterwards is refused.';
        COMMENT ON COLUMN schema_migrations.applied_at IS 'When the migration was applied.';
        """

    private func apply(_ file: MigrationFile, on connection: PostgresConnection, logger: Logger) throws {
        do {
            try connection.executeScript(file.sql)
        } catch var error as PostgresError {
            error.context = "migration \(file.fileName): \(error.context ?? "")"
            throw error
        }
        // A COMMIT or ROLLBACK inside the file would break the all-or-nothing promise.
        guard connection.transactionStatus == PQTRANS_INTRANS else {
            throw PostgresError(
                code: .invalidMigration,
                message: "migration \(file.fileName) ended the surrounding transaction; remove BEGIN/COMMIT from it"
            )
        }
        try connection.execute("""
            INSERT INTO schema_migrations (version, name, checksum)
            VALUES (\(file.version), \(file.name), \(file.checksum))
            """)
        logger.info("applied migration", metadata: ["db.migration": "\(file.fileName)"])
    }
}
