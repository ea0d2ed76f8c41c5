import Logging
import ServiceLifecycle
import SluiceContracts
import SluiceJobs
import SluicePostgres
import SluiceWorker

/// Builds exactly what the normalizer runs: migrations applied, then the database
/// pool, the compute threads and the normalize stage's runner, stopped gracefully on
/// SIGTERM or SIGINT.
///
/// The group stops services in reverse order, so the runner finishes (or hands back)
/// the jobs in flight before the compute threads and then the pool go away.
func buildServiceGroup(configuration: WorkerConfiguration, logger: Logger) async throws -> ServiceGroup {
    let pool = PostgresPool(configuration: configuration.database, logger: logger)
    _ = try await Migrator(pool: pool, directory: configuration.migrations, logger: logger).migrate()
    // One thread per message in flight: a job never waits behind another for a thread.
    let threads = ComputeThreads(count: Int(configuration.prefetch))
    let runner = StageRunner(
        stage: .normalize,
        handler: NormalizerStage(threads: threads),
        amqp: configuration.amqp,
        store: JobStore(pool: pool),
        artifacts: configuration.artifacts,
        topology: configuration.topology,
        prefetch: configuration.prefetch,
        logger: logger
    )
    return ServiceGroup(configuration: .init(
        services: [
            .init(service: pool),
            .init(service: threads),
            .init(service: runner),
        ],
        gracefulShutdownSignals: [.sigterm, .sigint],
        logger: logger
    ))
}
