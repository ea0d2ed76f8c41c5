import Foundation
import Logging

/// The consumer's thread: reads deliveries and hands them to Swift, carries out
/// settlements, and reconnects. Every field except `inbox` and `output` is touched by
/// that thread alone.
///
/// After a reconnect it checks, for ``checkWindow``, that the subscription took: a
/// consumer registered on a quorum queue while the queue elects a new leader (its node
/// died) can be lost by RabbitMQ 3.10 ("leader not known. Command will be forwarded"),
/// leaving a subscription that never delivers. When nothing arrived for ``idleBeforeCheck``,
/// nothing is held, and messages wait in the queue (asked on a connection of its own),
/// it subscribes again on a fresh connection.
final class ConsumerLoop: @unchecked Sendable {
    enum Command {
        case settle(UInt64, DeliverySettler.Settlement, generation: UInt64)
        case stopConsuming(CheckedContinuation<Void, Never>)
    }

    /// Deliveries read per turn before settlements are looked at again.
    private static let deliveriesPerTurn = 256
    /// How long after a reconnect the subscription is checked.
    static let checkWindow: Duration = .seconds(120)
    /// How long the consumer must have received nothing, holding nothing, before a check.
    static let idleBeforeCheck: Duration = .seconds(10)

    private let inbox: Inbox<Command>
    private var reconnector: Reconnector
    private let queue: String
    private let prefetch: UInt16
    private let topology: AMQPTopology
    private let output: AsyncStream<AMQPDelivery>.Continuation
    private let ledger: DeliveryLedger
    private let logger: Logger
    private let consumerTag: String

    private var connection: AMQPConnection?
    /// Counts connections, so a settlement for a delivery from a lost one is recognised.
    private var generation: UInt64 = 0
    private var consuming = true
    /// Until when the subscription is checked (set on a reconnect), and when the last delivery or check was.
    private var checkUntil: ContinuousClock.Instant?
    private var lastActivity = ContinuousClock.now

    init(
        inbox: Inbox<Command>, reconnector: Reconnector, queue: String, prefetch: UInt16,
        topology: AMQPTopology, output: AsyncStream<AMQPDelivery>.Continuation, ledger: DeliveryLedger,
        logger: Logger
    ) {
        self.inbox = inbox
        self.reconnector = reconnector
        self.queue = queue
        self.prefetch = prefetch
        self.topology = topology
        self.output = output
        self.ledger = ledger
        self.logger = logger
        consumerTag = "sluice-\(ProcessInfo.processInfo.hostName)-\(getpid())-\(UUID().uuidString.prefix(8))"
    }

    func run() {
        while true {
            let (commands, closed) = inbox.drain()
            commands.forEach(handle)
            if closed { break }

            guard let connection = connection ?? connectIfDue() else {
                inbox.wait(timeout: min(reconnector.waitBeforeNextAttempt, .milliseconds(100)))
                continue
            }
            do {
                connection.waitForInput(orWake: inbox.wakeFD, timeout: .milliseconds(100))
                try readDeliveries(from: connection)
                try checkSubscription()
            } catch {
                dropConnection(error)
            }
        }
        if consuming, let connection {
            // Cancel before closing: an RPC, so the broker has handled every ack sent before it.
            try? connection.cancel(consumerTag: consumerTag)
        }
        connection = nil
        ledger.stop()
        ledger.connectionLost()
        output.finish()
    }

    private func connectIfDue() -> AMQPConnection? {
        guard consuming, reconnector.waitBeforeNextAttempt == .zero else { return nil }
        connection = reconnector.connect { connection in
            try connection.declare(topology)
            try connection.consume(queue: queue, prefetch: prefetch, consumerTag: consumerTag)
        }
        if connection != nil {
            generation += 1
            ledger.connected(generation: generation)
            lastActivity = .now
            checkUntil = generation > 1 ? .now + Self.checkWindow : nil
        }
        return connection
    }

    /// Throws (so that the loop subscribes again on a fresh connection) when, within the
    /// window after a reconnect, the subscription has delivered nothing for a while,
    /// nothing is held, and the queue holds messages ready to deliver.
    private func checkSubscription() throws {
        guard let until = checkUntil else { return }
        let now = ContinuousClock.now
        guard now < until else {
            checkUntil = nil
            return
        }
        guard now - lastActivity >= Self.idleBeforeCheck, ledger.isIdle else { return }
        lastActivity = now
        guard let waiting = try? AMQPConnection.open(reconnector.configuration).connection.messageCount(queue: queue), waiting > 0 else { return }
        throw AMQPError(
            .connectionLost,
            "the subscription to '\(queue)' delivered nothing for \(Self.idleBeforeCheck) after a reconnect while \(waiting) messages wait; subscribing again"
        )
    }

    private func readDeliveries(from connection: AMQPConnection) throws {
        for _ in 0..<Self.deliveriesPerTurn {
            let (envelope, otherFrameWaiting) = try connection.nextDelivery()
            if let envelope {
                deliver(envelope)
            } else if otherFrameWaiting {
                try handle(try connection.nextEvent())
            } else {
                return
            }
        }
    }

    private func deliver(_ envelope: DeliveredEnvelope) {
        // After basic.cancel, deliveries already in flight stay unacknowledged and go
        // back to the queue when the connection closes.
        guard consuming else { return }
        lastActivity = .now
        output.yield(AMQPDelivery(
            body: envelope.body,
            properties: envelope.properties,
            deliveryTag: envelope.deliveryTag,
            redelivered: envelope.redelivered,
            exchange: envelope.exchange,
            routingKey: envelope.routingKey,
            settler: DeliverySettler(inbox: inbox, generation: generation)
        ))
    }

    private func handle(_ event: AMQPConnection.Event?) throws {
        switch event {
        case .consumerCancelled(let tag):
            // The queue was deleted or its leader moved: consume again on a fresh connection.
            throw AMQPError(.closedByBroker, "the broker cancelled consumer '\(tag)' on queue '\(queue)'")
        case .blocked(let reason):
            logger.warning("the broker blocked the connection", metadata: ["amqp.reason": "\(reason)"])
        default:
            break
        }
    }

    private func handle(_ command: Command) {
        switch command {
        case .settle(let tag, let settlement, let deliveryGeneration):
            guard let connection, deliveryGeneration == generation else {
                logger.debug("dropped a settlement: its connection is gone and the broker redelivers", metadata: ["amqp.delivery_tag": "\(tag)"])
                return
            }
            do {
                switch settlement {
                case .ack: try connection.ack(tag)
                case .nack(let requeue): try connection.nack(tag, requeue: requeue)
                case .reject(let requeue): try connection.reject(tag, requeue: requeue)
                }
                ledger.settled(generation: deliveryGeneration)
            } catch {
                dropConnection(error)
            }
        case .stopConsuming(let continuation):
            if consuming, let connection {
                do { try connection.cancel(consumerTag: consumerTag) } catch { dropConnection(error) }
            }
            consuming = false
            ledger.stop()
            output.finish()
            continuation.resume()
        }
    }

    private func dropConnection(_ error: Error) {
        connection = nil
        // What was handed out on the lost connection is the broker's again.
        ledger.connectionLost()
        if consuming { reconnector.connectionLost(error) }
    }
}
