import Logging
import ServiceLifecycle
import SluiceContracts
import SluiceJobs
import SluicePostgres

/// Assembles a stage worker process the same way for every stage: migrations
/// applied, then a `ServiceGroup` of the database pool, the stage's own services and
/// its ``StageRunner``, stopped gracefully on SIGTERM or SIGINT.
public enum StageWorker {
    /// What a stage brings to its worker process.
    public struct Parts {
        /// The stage's logic.
        public var handler: any StageHandler
        /// Turns scripts' submissions into stage messages (the validator's).
        public var intake: (any MessageIntake)?
        /// Services the handler needs (e.g. compute threads): started before the runner, stopped after it.
        public var services: [any Service]

        public init(handler: any StageHandler, intake: (any MessageIntake)? = nil, services: [any Service] = []) {
            self.handler = handler
            self.intake = intake
            self.services = services
        }
    }

    /// Builds the process's service group; `parts` receives the job store so an intake can create jobs.
    public static func serviceGroup(
        stage: Stage,
        configuration: WorkerConfiguration,
        logger: Logger,
        parts makeParts: (JobStore) -> Parts
    ) async throws -> ServiceGroup {
        let pool = PostgresPool(configuration: configuration.pipeline.database, logger: logger)
        _ = try await Migrator(pool: pool, directory: configuration.pipeline.migrations, logger: logger).migrate()
        let store = JobStore(pool: pool)
        let parts = makeParts(store)
        let runner = StageRunner(
            stage: stage,
            handler: parts.handler,
            intake: parts.intake,
            amqp: configuration.pipeline.amqp,
            store: store,
            artifacts: configuration.pipeline.artifacts,
            topology: configuration.pipeline.topology,
            prefetch: configuration.prefetch,
            retryPolicy: configuration.retryPolicy,
            logger: logger
        )
        // A group stops its services in reverse order: the runner finishes (or hands
        // back) the jobs in flight before what it uses goes away.
        let services: [any Service] = [pool] + parts.services + [runner]
        return ServiceGroup(configuration: .init(
            services: services.map { .init(service: $0) },
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger
        ))
    }
}
