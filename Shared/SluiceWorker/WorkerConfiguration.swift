import Foundation
import SluiceAMQP
import SluiceContracts
import SluiceJobs
import SluicePostgres

/// What every stage worker reads from its environment.
///
/// Keys: `SLUICE_AMQP_URL` and the other `SLUICE_AMQP_*` keys (``AMQPConfiguration``),
/// `SLUICE_DATABASE_URL` and the other `SLUICE_DATABASE_*` keys (``PostgresConfiguration``),
/// `SLUICE_ARTIFACT_DIR` (default `.sluice/artifacts`), `SLUICE_MIGRATIONS_DIR`
/// (default `infra/migrations`), `SLUICE_PREFETCH` (messages a worker process works on
/// at once, default 4).
public struct WorkerConfiguration: Sendable {
    public var amqp: AMQPConfiguration
    public var database: PostgresConfiguration
    public var artifacts: ArtifactStore
    public var migrations: URL
    public var topology: SluiceTopology
    public var prefetch: UInt16

    /// Reads the keys listed on the type; a malformed value is an error naming its key.
    public init(environment: [String: String] = ProcessInfo.processInfo.environment) throws {
        amqp = try AMQPConfiguration(environment: environment)
        database = try PostgresConfiguration(environment: environment)
        artifacts = try ArtifactStore(environment: environment)
        migrations = Migrator.defaultDirectory(environment: environment)
        topology = SluiceTopology()
        if let text = environment["SLUICE_PREFETCH"] {
            guard let value = UInt16(text), value > 0 else {
                throw WorkerConfigurationError(key: "SLUICE_PREFETCH", value: text, expected: "a whole number from 1 to 65535")
            }
            prefetch = value
        } else {
            prefetch = 4
        }
    }
}

/// A setting that cannot be used.
public struct WorkerConfigurationError: Error, CustomStringConvertible {
    public let key: String
    public let value: String
    public let expected: String
    public var description: String { "\(key)='\(value)' is not \(expected)" }
}
