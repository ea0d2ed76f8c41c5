import ArgumentParser
import Foundation
import Logging
import SluicePostgres

extension Sluice {
    /// `sluice migrate`: applies the schema migrations and prints the schema version.
    struct Migrate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Apply the job-history schema migrations (safe to run while services start).",
            discussion: """
                Reads SLUICE_DATABASE_URL and SLUICE_MIGRATIONS_DIR (default infra/migrations); applies each
                migration once, in one transaction, under an advisory lock.

                Examples:
                  sluice migrate
                  SLUICE_DATABASE_URL=postgresql://sluice:sluice@db:5432/sluice sluice migrate

                Exit status: 0 the schema is current; 1 a migration failed (nothing of it was applied).
                """
        )

        func run() async throws {
            let logger = Logger(label: "sluice.migrate")
            let configuration = try PostgresConfiguration(environment: ProcessInfo.processInfo.environment)
            let pool = PostgresPool(configuration: configuration, logger: logger)
            let migrator = Migrator(pool: pool, logger: logger)
            let version = try await migrator.migrate()
            print("database: schema version \(version) (migrations from \(migrator.directory.path))")
        }
    }
}
