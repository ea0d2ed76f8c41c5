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
    let pipeline = configuration.pipeline
    let pool = PostgresPool(configuration: pipeline.database, logger: logger)
    _ = try await Migrator(pool: pool, directory: pipeline.migrations, logger: logger).migrate()
    let threads = BlockingThreadPool(count: configuration.threads, name: "sluice-gateway")
    let publisher = AMQPPublisher(
        configuration: pipeline.amqp, topology: pipeline.topology.amqp, confirmTimeout: configuration.publishTimeout, logger: logger
    )
    let store = JobStore(pool: pool)
    let events = JobEvents(configuration: pipeline.database, store: store, logger: logger)
    let history = JobHistory(pool: pool)

    let router = Router(context: GatewayRequestContext.self)
    router.middlewares.add(MetricsMiddleware())
    router.middlewares.add(ErrorResponseMiddleware())
    router.middlewares.add(CORSAllowlistMiddleware(origins: configuration.corsOrigins))
    if configuration.authRequired {
        router.middlewares.add(APIKeyMiddleware(
            keys: APIKeyStore(pool: pool), limiter: RateLimiter(rate: configuration.rateLimit, burst: configuration.rateBurst)
        ))
    } else {
        logger.warning("SLUICE_AUTH=off: the API takes requests without a key")
    }
    SubmissionRoutes(
        submitter: JobSubmitter(
            intake: JobIntake(store: store, artifacts: pipeline.artifacts, files: threads),
            publisher: publisher,
            topology: pipeline.topology,
            artifacts: pipeline.artifacts,
            limits: pipeline.limits,
            threads: threads,
            logger: logger
        ),
        events: events,
        history: history,
        limits: pipeline.limits,
        requestTimeout: configuration.requestTimeout,
        processWait: configuration.processWait,
        maxProcessWait: configuration.maxProcessWait
    ).register(on: router)
    JobRoutes(history: history).register(on: router)
    JobEventRoutes(history: history, events: events).register(on: router)
    JobControlRoutes(store: store, publisher: publisher, topology: pipeline.topology, logger: logger).register(on: router)
    try DashboardRoutes().register(on: router)
    HealthRoutes(pool: pool, admin: AMQPAdmin(configuration: pipeline.amqp), topology: pipeline.topology, events: events).register(on: router)
    MetricsRoutes(pool: pool).register(on: router)

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
    app.addServices(pool, threads, publisher, events)
    return app
}
