import Logging
import ServiceLifecycle
import SluiceContracts
import SluiceJobs
import SluicePostgres
import SluiceWorker

/// Builds exactly what the validator runs: migrations applied, then the database pool
/// and the validate stage's runner, stopped gracefully on SIGTERM or SIGINT.
func buildServiceGroup(configuration: WorkerConfiguration, logger: Logger) async throws -> ServiceGroup {
    let pool = PostgresPool(configuration: configuration.database, logger: logger)
    _ = try await Migrator(pool: pool, directory: configuration.migrations, logger: logger).migrate()
    let store = JobStore(pool: pool)
    let runner = StageRunner(
        stage: .validate,
        handler: ValidatorStage(),
        intake: SubmissionIntake(store: store, artifacts: configuration.artifacts),
        amqp: configuration.amqp,
        store: store,
        artifacts: configuration.artifacts,
        topology: configuration.topology,
        prefetch: configuration.prefetch,
        logger: logger
    )
    return ServiceGroup(configuration: .init(
        services: [
            .init(service: pool),
            .init(service: runner),
        ],
        gracefulShutdownSignals: [.sigterm, .sigint],
        logger: logger
    ))
}
