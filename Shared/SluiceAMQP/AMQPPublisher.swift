import Logging
import ServiceLifecycle

/// Publishes messages with publisher confirms on a connection of its own.
///
/// `publish` returns once the broker has confirmed the message (it is then in every
/// queue it was routed to, on disk for durable queues) and throws when the broker
/// nacks it, returns it as unroutable (publishes are `mandatory` by default), the
/// connection is lost before the confirm, or nothing is confirmed within
/// `confirmTimeout`. A publish that throws may still have reached the broker: callers
/// that retry must be idempotent (Sluice's message ids and unique keys are).
///
/// The connection lives on its own thread, declares `topology` whenever it connects,
/// and reconnects with backoff after the broker goes away; publishes made while it is
/// away wait for it, up to `confirmTimeout`.
public final class AMQPPublisher: Service, Sendable {
    /// The header that carries a publish's delivery tag, so that a returned message
    /// (basic.return names no tag) can be matched to its publish.
    static let deliveryTagHeader = "x-sluice-publish-tag"

    private let inbox = Inbox<PublisherLoop.Command>()
    private let thread: OwnedThread
    private let confirmTimeout: Duration

    /// Starts the publisher's thread, which connects in the background.
    ///
    /// - Parameters:
    ///   - topology: declared on every connect. Default: nothing.
    ///   - confirmTimeout: how long a publish may wait for a connection and a confirm. Default 30 s.
    public init(
        configuration: AMQPConfiguration,
        topology: AMQPTopology = AMQPTopology(),
        confirmTimeout: Duration = .seconds(30),
        logger: Logger
    ) {
        self.confirmTimeout = confirmTimeout
        let loop = PublisherLoop(
            inbox: inbox,
            reconnector: Reconnector(configuration: configuration, logger: logger),
            topology: topology,
            logger: logger
        )
        thread = OwnedThread(name: "amqp-publisher") { loop.run() }
    }

    // A publisher dropped without close() still ends its thread and connection.
    deinit { inbox.close() }

    /// Publishes `body` and returns once the broker confirmed it.
    ///
    /// - Parameter mandatory: when `true` (the default), a message that no queue
    ///   receives is an error instead of being dropped silently.
    public func publish(
        _ body: [UInt8],
        exchange: String,
        routingKey: String,
        properties: AMQPProperties = AMQPProperties(),
        mandatory: Bool = true
    ) async throws {
        let deadline = ContinuousClock.now + confirmTimeout
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, Error>) in
            let message = PublisherLoop.Message(
                body: body, exchange: exchange, routingKey: routingKey, properties: properties,
                mandatory: mandatory, deadline: deadline, continuation: continuation
            )
            if !inbox.send(.publish(message)) {
                continuation.resume(throwing: AMQPError(.shutDown, "the publisher is closed"))
            }
        }
    }

    /// Waits for graceful shutdown, then ``close()``.
    public func run() async throws {
        try? await gracefulShutdown()
        await close()
    }

    /// Refuses new publishes, waits for outstanding confirms (each up to its timeout), and closes the connection.
    public func close() async {
        inbox.close()
        await thread.join()
    }
}
