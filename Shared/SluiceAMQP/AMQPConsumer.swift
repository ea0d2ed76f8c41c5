import Foundation
import Logging
import ServiceLifecycle

/// Consumes one queue with manual acknowledgements and a prefetch window, on a
/// connection and thread of its own.
///
/// Deliveries arrive on ``deliveries``, an `AsyncSequence`; each is settled with its
/// own `ack`/`nack`/`reject`, which go back to the connection's thread. The consumer
/// declares `topology` on every connect, and after the broker goes away it reconnects
/// with backoff and consumes again; messages that were in flight on the lost
/// connection are redelivered by the broker.
///
/// As a `Service`, on graceful shutdown it stops taking new deliveries, waits (up to
/// `drainTimeout`) for those handed out to be settled, and closes.
public final class AMQPConsumer: Service, Sendable {
    /// The deliveries, in the order the broker sent them. Finishes after
    /// ``stopConsuming()`` or ``close()``.
    public let deliveries: AMQPDeliverySequence

    private let inbox = Inbox<ConsumerLoop.Command>()
    private let ledger = DeliveryLedger()
    private let thread: OwnedThread
    private let drainTimeout: Duration

    /// Starts the consumer's thread, which connects and starts consuming in the background.
    ///
    /// - Parameters:
    ///   - queue: the queue to consume.
    ///   - prefetch: unacknowledged deliveries the broker may send ahead. Default 32.
    ///   - topology: declared on every connect; should include `queue`. Default: nothing.
    ///   - drainTimeout: how long graceful shutdown waits for handed-out deliveries to be settled. Default 30 s.
    public init(
        configuration: AMQPConfiguration,
        queue: String,
        prefetch: UInt16 = 32,
        topology: AMQPTopology = AMQPTopology(),
        drainTimeout: Duration = .seconds(30),
        logger: Logger
    ) {
        let (stream, continuation) = AsyncStream.makeStream(of: AMQPDelivery.self)
        deliveries = AMQPDeliverySequence(stream: stream, ledger: ledger)
        self.drainTimeout = drainTimeout
        let loop = ConsumerLoop(
            inbox: inbox,
            reconnector: Reconnector(configuration: configuration, logger: logger),
            queue: queue,
            prefetch: prefetch,
            topology: topology,
            output: continuation,
            ledger: ledger,
            logger: logger
        )
        thread = OwnedThread(name: "amqp-consumer") { loop.run() }
    }

    // A consumer dropped without close() still ends its thread and connection.
    deinit { inbox.close() }

    /// Cancels the subscription: no new deliveries; those handed out can still be settled.
    public func stopConsuming() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            if !inbox.send(.stopConsuming(continuation)) { continuation.resume() }
        }
    }

    /// Returns once every delivery handed out on the current connection is settled.
    public func waitUntilSettled() async {
        await ledger.waitUntilSettled()
    }

    /// Closes the connection and ends the thread; unsettled deliveries go back to the queue.
    public func close() async {
        inbox.close()
        await thread.join()
    }

    /// Waits for graceful shutdown, then stops consuming, drains, and closes.
    public func run() async throws {
        try? await gracefulShutdown()
        await stopConsuming()
        let drainTimeout = self.drainTimeout
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.waitUntilSettled() }
            group.addTask { try? await Task.sleep(for: drainTimeout) }
            await group.next()
            group.cancelAll()
        }
        await close()
    }
}
