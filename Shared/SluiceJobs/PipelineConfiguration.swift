import Foundation
import SluiceAMQP
import SluiceContracts
import SluiceCore
import SluicePostgres
import SluiceRecords

/// What every Sluice process (the gateway and the four stage workers) reads from its
/// environment to reach the pipeline's broker, database and shared storage.
///
/// Keys: `SLUICE_AMQP_URL` and the other `SLUICE_AMQP_*` keys (``AMQPConfiguration``),
/// `SLUICE_DATABASE_URL` and the other `SLUICE_DATABASE_*` keys (``PostgresConfiguration``),
/// `SLUICE_ARTIFACT_DIR` (default `.sluice/artifacts`), `SLUICE_MIGRATIONS_DIR`
/// (default `infra/migrations`), and the submission limits, which the gateway and the
/// validator must share: `SLUICE_MAX_RECORDS` (default 1,000,000),
/// `SLUICE_MAX_CATEGORY_BYTES` (default 256), `SLUICE_MAX_BODY_BYTES` (default 67,108,864), `SLUICE_MAX_LINE_BYTES` (default 65,536).
public struct PipelineConfiguration: Sendable {
    /// The broker.
    public var amqp: AMQPConfiguration
    /// The job-history database.
    public var database: PostgresConfiguration
    /// Where job data lives, shared by every service.
    public var artifacts: ArtifactStore
    /// The schema migrations each process applies at start.
    public var migrations: URL
    /// The exchanges and queues; tests give each run its own prefix.
    public var topology: SluiceTopology
    /// The bounds on one submission.
    public var limits: SubmissionLimits

    /// Reads the keys listed on the type; a malformed value is an error naming its key.
    public init(environment: [String: String] = ProcessInfo.processInfo.environment) throws {
        amqp = try AMQPConfiguration(environment: environment)
        database = try PostgresConfiguration(environment: environment)
        artifacts = try ArtifactStore(environment: environment)
        migrations = Migrator.defaultDirectory(environment: environment)
        topology = SluiceTopology()
        let settings = EnvironmentSettings(environment)
        let defaults = SubmissionLimits()
        limits = SubmissionLimits(
            maxRecords: try settings.integer("SLUICE_MAX_RECORDS", default: defaults.maxRecords, in: 1...100_000_000),
            maxCategoryBytes: try settings.integer("SLUICE_MAX_CATEGORY_BYTES", default: defaults.maxCategoryBytes, in: 1...65_536),
            maxBodyBytes: try settings.integer("SLUICE_MAX_BODY_BYTES", default: defaults.maxBodyBytes, in: 1...(16 << 30)),
            maxLineBytes: try settings.integer("SLUICE_MAX_LINE_BYTES", default: defaults.maxLineBytes, in: 64...(1 << 30))
        )
    }
}
