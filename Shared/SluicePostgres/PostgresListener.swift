import Logging
import ServiceLifecycle
import SluiceCore

/// Receives PostgreSQL notifications (LISTEN/NOTIFY) on a dedicated connection and thread.
///
/// Add it to the process's `ServiceGroup` and read ``events``. The first event is
/// ``Event/listening``; after that, notifications on the channels arrive in order. If
/// the connection drops, the listener reconnects with the configured backoff, listens
/// again and yields ``Event/reconnected``: notifications sent in between are lost, so
/// on `.listening` and `.reconnected` a consumer re-reads whatever state it follows.
///
/// ```swift
/// for await event in listener.events {
///     switch event {
///     case .listening, .reconnected: try await reloadJobs()
///     case .notification(_, let payload): try await reloadJob(payload)
///     }
/// }
/// ```
public final class PostgresListener: Service {
    /// Something the listener has to tell its consumer.
    public enum Event: Hashable, Sendable {
        /// The first connection is listening: notifications sent from now on arrive.
        case listening
        /// A notification: its channel and payload (empty when none was given).
        case notification(channel: String, payload: String)
        /// The connection was lost and is listening again; notifications sent while it
        /// was down are lost, so state must be re-read.
        case reconnected
    }

    /// The listener's events; finishes when ``run()`` returns. Buffered without
    /// limit, so a slow consumer delays events but never loses them.
    public let events: AsyncStream<Event>
    private let continuation: AsyncStream<Event>.Continuation
    private let channels: [String]
    private let configuration: PostgresConfiguration
    private let parameters: ConnectionParameters
    private let logger: Logger
    private let stopSignal = StopSignal()

    /// How long one wait on the socket lasts: the bound on noticing shutdown.
    private static let pollMilliseconds: Int32 = 100

    /// Creates a listener for `channels`; nothing connects until ``run()``.
    ///
    /// - Parameters:
    ///   - configuration: the server and timeouts; `poolSize` is ignored (one connection),
    ///     `reconnectBackoff` paces reconnection, which goes on until shutdown.
    ///   - channels: channel names, exactly as notifiers spell them.
    ///   - logger: receives connection events.
    public init(configuration: PostgresConfiguration, channels: [String], logger: Logger) {
        self.configuration = configuration
        self.channels = channels
        self.logger = logger
        parameters = ConnectionParameters(configuration)
        (events, continuation) = AsyncStream.makeStream(of: Event.self)
    }

    /// Listens until graceful shutdown or cancellation (noticed within about 100 ms
    /// while connected, or once a connection attempt in progress ends), then closes
    /// the connection and finishes ``events``. Call it once.
    public func run() async throws {
        let thread = BlockingThread(name: "sluice-listener")
        defer {
            continuation.finish()
            thread.shutdown()
        }
        try await withTaskCancellationOrGracefulShutdownHandler {
            try await thread.run { [self] in listenUntilStopped() }
        } onCancelOrGracefulShutdown: { [stopSignal] in
            stopSignal.stop()
        }
    }

    /// The listener's thread: connect, listen, receive; on loss start over.
    private func listenUntilStopped() {
        var hasListened = false
        var attempt = 0
        while !stopSignal.isStopped {
            let connection: PostgresConnection
            do {
                connection = try PostgresConnection.open(parameters, logger: logger)
                try connection.listen(to: channels)
            } catch {
                let delay = configuration.reconnectBackoff.delay(forAttempt: attempt)
                logger.warning(
                    "listener cannot connect; retrying",
                    metadata: ["error": "\(error)", "db.retry.attempt": "\(attempt + 1)", "db.retry.delay": "\(delay)"]
                )
                attempt += 1
                if stopSignal.sleep(for: delay) { return }
                continue
            }
            attempt = 0
            continuation.yield(hasListened ? .reconnected : .listening)
            if hasListened { logger.info("listener reconnected", metadata: ["db.channels": "\(channels)"]) }
            hasListened = true
            while !stopSignal.isStopped {
                let alive = connection.receiveNotifications(timeoutMilliseconds: Self.pollMilliseconds) { channel, payload in
                    continuation.yield(.notification(channel: channel, payload: payload))
                }
                if !alive {
                    logger.warning("listener lost its connection", metadata: ["error": "\(connection.errorMessage)"])
                    break
                }
            }
        }
    }
}
