import Foundation
import Logging
import SluicePostgres

/// The server the tests use: `SLUICE_DATABASE_URL`, or the project's development server.
public enum TestDatabase {
    public static var url: String {
        ProcessInfo.processInfo.environment["SLUICE_DATABASE_URL"] ?? PostgresConfiguration.defaultURL
    }

    /// Quiet: a failing test shows its errors, not the pool's chatter.
    public static let logger = Logger(label: "sluice.postgres.tests") { _ in SwiftLogNoOpLogHandler() }

    public static func configuration(
        url: String = TestDatabase.url,
        poolSize: Int = 4,
        searchPath: [String] = [],
        applicationName: String = "sluice-tests"
    ) -> PostgresConfiguration {
        PostgresConfiguration(
            url: url,
            poolSize: poolSize,
            connectTimeout: .seconds(5),
            applicationName: applicationName,
            reconnectBackoff: .init(initial: .milliseconds(50), maximum: .milliseconds(500)),
            searchPath: searchPath
        )
    }

    /// A name no other test (or test run) uses.
    public static func uniqueName(_ prefix: String) -> String {
        prefix + "_" + UUID().uuidString.prefix(8).lowercased()
    }
}

/// Runs `body` with a pool whose `run()` is live, as in a ServiceGroup, and shuts it down after.
public func withPool<Result: Sendable>(
    _ configuration: PostgresConfiguration,
    _ body: (PostgresPool) async throws -> Result
) async throws -> Result {
    let pool = PostgresPool(configuration: configuration, logger: TestDatabase.logger)
    return try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask { try await pool.run() }
        let result = try await body(pool)
        group.cancelAll()
        return result
    }
}

/// Runs `body` with a pool whose `search_path` is a fresh schema, dropped afterwards,
/// so tests running in parallel never see each other's tables.
public func withTestSchema<Result: Sendable>(
    poolSize: Int = 4,
    _ body: (PostgresPool, String) async throws -> Result
) async throws -> Result {
    let schema = TestDatabase.uniqueName("sluice_test")
    return try await withPool(TestDatabase.configuration(poolSize: poolSize, searchPath: [schema])) { pool in
        try await pool.withConnection { try $0.execute("CREATE SCHEMA \(identifier: schema)") }
        do {
            let result = try await body(pool, schema)
            try await pool.withConnection { try $0.execute("DROP SCHEMA \(identifier: schema) CASCADE") }
            return result
        } catch {
            _ = try? await pool.withConnection { try $0.execute("DROP SCHEMA \(identifier: schema) CASCADE") }
            throw error
        }
    }
}
