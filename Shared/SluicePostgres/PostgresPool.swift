import Logging
import ServiceLifecycle
import SluiceCore

/// A fixed-size pool of connections, each owned by its own thread, so that blocking
/// libpq calls never occupy Swift's cooperative threads.
///
/// Add the pool to the process's `ServiceGroup`: ``run()`` waits for graceful shutdown
/// (or cancellation), then closes every connection after the work in flight finishes.
/// Connections open lazily on first use; a checkout first checks, without a round trip,
/// that its connection is still up and replaces it if not.
///
/// ```swift
/// let count = try await pool.withConnection { conn in
///     try conn.query("SELECT count(*) AS n FROM jobs WHERE status = \(status)").single().decode("n", as: Int.self)
/// }
/// ```
public final class PostgresPool: Service {
    /// The configuration the pool was created with.
    public let configuration: PostgresConfiguration
    private let slots: SlotQueue
    let parameters: ConnectionParameters
    private let logger: Logger

    /// Creates a pool; nothing connects until the first checkout.
    ///
    /// - Parameters:
    ///   - configuration: where the server is, the pool size and the timeouts.
    ///   - logger: receives connection events and server notices (`db.*` metadata).
    public init(configuration: PostgresConfiguration, logger: Logger) {
        self.configuration = configuration
        self.logger = logger
        parameters = ConnectionParameters(configuration)
        slots = SlotQueue(capacity: configuration.poolSize) { index in
            // Linux keeps 15 characters of a thread name.
            PoolSlot(name: "sluice-pg-\(index)")
        }
    }

    /// Waits for graceful shutdown or cancellation, then closes the pool: waiting
    /// checkouts fail with ``PostgresError/Code/poolShutDown``, work already running
    /// finishes, and every connection and thread is closed.
    public func run() async throws {
        try? await gracefulShutdown()
        for slot in slots.shutDown() {
            // The thread runs jobs in order, so this waits for the work in flight.
            try? await slot.thread.run { slot.close() }
            slot.thread.shutdown()
        }
        logger.debug("database pool closed")
    }

    /// Runs `body` with a connection of its own, on that connection's thread.
    ///
    /// Waits (first come, first served; cancellable) while every connection is busy.
    /// A transaction that `body` leaves open is rolled back before the connection is reused.
    ///
    /// - Throws: `body`'s error; ``PostgresError`` with code
    ///   ``PostgresError/Code/connectionFailed`` when no connection could be opened within
    ///   the connect timeout, ``PostgresError/Code/connectionLost`` when it broke during
    ///   `body` (the next checkout replaces it; retrying is the caller's decision),
    ///   ``PostgresError/Code/poolShutDown`` after ``run()`` has returned;
    ///   `CancellationError` when cancelled while waiting.
    @discardableResult
    public func withConnection<Result: Sendable>(
        _ body: @escaping @Sendable (PostgresConnection) throws -> Result
    ) async throws -> Result {
        let observer = ConnectionObservation.observer
        observer?.poolCheckoutStarted()
        let waitStarted = ContinuousClock.now
        let slot: PoolSlot
        do {
            slot = try await slots.checkout()
        } catch {
            observer?.poolCheckoutEnded(waited: nil)
            throw error
        }
        observer?.poolCheckoutEnded(waited: .now - waitStarted)
        defer {
            slots.checkin(slot)
            observer?.poolCheckedIn()
        }
        let (parameters, configuration, logger) = (parameters, configuration, logger)
        do {
            return try await slot.thread.run {
                try slot.withConnection(
                    open: {
                        try PostgresConnection.open(
                            parameters,
                            backoff: configuration.reconnectBackoff,
                            timeout: configuration.connectTimeout,
                            logger: logger
                        )
                    },
                    logger: logger,
                    body
                )
            }
        } catch is BlockingThread.ShutDown {
            throw PostgresError(code: .poolShutDown, message: "the pool has shut down")
        }
    }

    /// Runs `body` in a transaction on a connection of its own: COMMIT when it returns,
    /// ROLLBACK when it throws. See ``withConnection(_:)`` and
    /// ``PostgresConnection/transaction(_:)``.
    @discardableResult
    public func withTransaction<Result: Sendable>(
        _ body: @escaping @Sendable (PostgresConnection) throws -> Result
    ) async throws -> Result {
        try await withConnection { connection in
            try connection.transaction(body)
        }
    }
}
