import Logging
import ServiceLifecycle
import SluiceAMQP
import SluiceContracts
import SluiceCore
import SluiceJobs
import SluicePostgres

/// Assembles a stage worker process the same way for every stage: migrations
/// applied, then a `ServiceGroup` of the database pool, the ``WorkerHeartbeat``, the
/// stage's own services and its ``StageRunner``, stopped gracefully on SIGTERM or SIGINT.
public enum StageWorker {
    /// What a stage brings to its worker process.
    public struct Parts {
        /// The stage's logic.
        public var handler: any StageHandler
        /// Turns scripts' submissions into stage messages (the validator's).
        public var intake: (any MessageIntake)?
        /// Services the handler needs (e.g. compute threads): started before the runner, stopped after it.
        public var services: [any Service]
        /// What `/ready` checks besides the database and the broker (e.g. a warm Spark driver).
        public var readiness: [ReadinessCheck]

        public init(
            handler: any StageHandler, intake: (any MessageIntake)? = nil, services: [any Service] = [], readiness: [ReadinessCheck] = []
        ) {
            self.handler = handler
            self.intake = intake
            self.services = services
            self.readiness = readiness
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
            lease: configuration.lease,
            deliveryHold: configuration.deliveryHold,
            logger: logger
        )
        // A group stops its services in reverse order: the runner finishes (or hands
        // back) the jobs in flight before what it uses goes away.
        let heartbeat = WorkerHeartbeat(
            process: .this(stage: stage), store: store, interval: min(configuration.lease / 4, .seconds(10)), logger: logger
        )
        var services: [any Service] = [pool, heartbeat] + parts.services
        if let port = configuration.healthPort {
            let amqp = AMQPAdmin(configuration: configuration.pipeline.amqp)
            let queue = configuration.pipeline.topology.queue(stage)
            let checks = [ReadinessCheck.database(pool), .broker(amqp, queue: queue)] + parts.readiness
            services.append(WorkerHealth.application(
                stage: stage.rawValue, host: configuration.healthHost, port: port, checks: checks, logger: logger
            ))
        }
        services.append(AttemptSweeper(
            stage: stage, store: store, amqp: configuration.pipeline.amqp, topology: configuration.pipeline.topology,
            retryPolicy: configuration.retryPolicy, interval: configuration.lease / 4, handOffGrace: configuration.lease, logger: logger
        ))
        services.append(runner)
        return ServiceGroup(configuration: .init(
            services: services.map { .init(service: $0) },
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger
        ))
    }
}
