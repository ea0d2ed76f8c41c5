import Hummingbird
import Logging
import SluiceAMQP
import SluiceContracts
import SluiceCore
import SluiceJobs
import SluicePostgres

/// Builds exactly what the gateway runs; the tests build it too. Applies the schema
/// migrations first, then returns the application with its services: the database
/// pool, the body-checking threads, the publisher and the job-events listener, which
/// the HTTP server (started last, stopped first) relies on.
///
/// - Parameter onServerRunning: called with the port once the server listens (tests
///   listen on port 0 and learn the port here).
func buildApplication(
    configuration: GatewayConfiguration,
    logger: Logger,
    onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
) async throws -> some ApplicationProtocol {
    let services = GatewayServices(configuration: configuration, logger: logger)
    _ = try await Migrator(pool: services.pool, directory: configuration.pipeline.migrations, logger: logger).migrate()
    let router = try buildRouter(configuration: configuration, services: services, logger: logger)

    // The idle timeout closes a connection silent for twice the request timeout, such as
    // one whose client never finishes its headers. Twice, so that a client stalled
    // mid-body gets its 408 from the body's own timeout first.
    var app = Application(
        router: router,
        server: .http1(configuration: .init(idleTimeout: .nanoseconds(Int64(configuration.requestTimeout.seconds * 2e9)))),
        configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "sluice-gateway"),
        onServerRunning: { channel in
            logger.info("listening", metadata: ["http.address": "\(channel.localAddress.map { "\($0)" } ?? "-")"])
            await onServerRunning(channel.localAddress?.port ?? configuration.port)
        },
        logger: logger
    )
    app.addServices(services.pool, services.threads, services.publisher, services.events)
    return app
}

/// The router with its middleware and every route, over `services`, which it does not
/// start: ``buildApplication(configuration:logger:onServerRunning:)`` runs them, and the
/// tests read the routes (`router.routes`) to hold them against the OpenAPI document.
func buildRouter(configuration: GatewayConfiguration, services: GatewayServices, logger: Logger) throws -> Router<GatewayRequestContext> {
    let pipeline = configuration.pipeline
    let store = JobStore(pool: services.pool)
    let history = JobHistory(pool: services.pool)

    let router = Router(context: GatewayRequestContext.self)
    router.middlewares.add(HTTPMetricsMiddleware())
    router.middlewares.add(ErrorResponseMiddleware())
    router.middlewares.add(HeaderLimitMiddleware())
    router.middlewares.add(CodingsMiddleware())
    router.middlewares.add(CORSAllowlistMiddleware(origins: configuration.corsOrigins))
    if configuration.authRequired {
        router.middlewares.add(APIKeyMiddleware(
            keys: APIKeyStore(pool: services.pool), limiter: RateLimiter(rate: configuration.rateLimit, burst: configuration.rateBurst)
        ))
    } else {
        logger.warning("SLUICE_AUTH=off: the API takes requests without a key")
    }
    SubmissionRoutes(
        submitter: JobSubmitter(
            intake: JobIntake(store: store, artifacts: pipeline.artifacts, files: services.threads),
            publisher: services.publisher,
            topology: pipeline.topology,
            limits: pipeline.limits,
            logger: logger
        ),
        events: services.events,
        history: history,
        limits: pipeline.limits,
        requestTimeout: configuration.requestTimeout,
        processWait: configuration.processWait,
        maxProcessWait: configuration.maxProcessWait
    ).register(on: router)
    JobRoutes(history: history, artifacts: pipeline.artifacts).register(on: router)
    JobEventRoutes(history: history, events: services.events).register(on: router)
    JobControlRoutes(history: history, store: store, artifacts: pipeline.artifacts, publisher: services.publisher, topology: pipeline.topology, logger: logger).register(on: router)
    let admin = AMQPAdmin(configuration: pipeline.amqp)
    KeyRoutes().register(on: router)
    WorkerRoutes(pool: services.pool).register(on: router)
    QueueRoutes(admin: admin, topology: pipeline.topology).register(on: router)
    DeadLetterRoutes(
        letters: DeadLetters(amqp: pipeline.amqp, topology: pipeline.topology, store: store, artifacts: pipeline.artifacts, logger: logger),
        history: history
    ).register(on: router)
    try DashboardRoutes().register(on: router)
    HealthRoutes(pool: services.pool, admin: admin, topology: pipeline.topology, events: services.events).register(on: router)
    MetricsRoutes(pool: services.pool).register(on: router)
    try OpenAPIRoutes().register(on: router)
    return router
}

/// The long-running parts behind the gateway's routes, created but not started: the
/// database pool, the body-checking threads (started at once; ``BlockingThreadPool``
/// stops them), the confirmed publisher and the job-events listener.
struct GatewayServices {
    let pool: PostgresPool
    let threads: BlockingThreadPool
    let publisher: AMQPPublisher
    let events: JobEvents

    init(configuration: GatewayConfiguration, logger: Logger) {
        let pipeline = configuration.pipeline
        pool = PostgresPool(configuration: pipeline.database, logger: logger)
        threads = BlockingThreadPool(count: configuration.threads, name: "sluice-gw")
        publisher = AMQPPublisher(
            configuration: pipeline.amqp, topology: pipeline.topology.amqp, confirmTimeout: configuration.publishTimeout, logger: logger
        )
        events = JobEvents(configuration: pipeline.database, store: JobStore(pool: pool), logger: logger)
    }
}
