import Logging

/// The publisher's thread: sends queued messages, reads confirms and returns, and
/// reconnects. Every field except `inbox` is touched by that thread alone.
///
/// A nack also replaces the connection, once everything sent on it is settled: RabbitMQ
/// 3.10 can go on refusing every publish on a channel opened while a quorum queue was
/// electing its leader (seen for minutes after a node died), and a fresh channel takes them.
final class PublisherLoop: @unchecked Sendable {
    struct Message {
        let body: [UInt8]
        let exchange: String
        let routingKey: String
        let properties: AMQPProperties
        let mandatory: Bool
        let deadline: ContinuousClock.Instant
        let continuation: CheckedContinuation<Void, Error>
    }

    enum Command {
        case publish(Message)
    }

    private let inbox: Inbox<Command>
    private var reconnector: Reconnector
    private let topology: AMQPTopology
    private let logger: Logger

    private var connection: AMQPConnection?
    private var unsent: [Message] = []
    private var unconfirmed: [UInt64: Message] = [:]
    private var returned: [UInt64: AMQPError] = [:]
    private var nextDeliveryTag: UInt64 = 1
    private var nextExpiryCheck = ContinuousClock.now
    /// Set by a nack: send nothing more on this connection, and replace it once what was sent is settled.
    private var replaceWhenSettled = false

    init(inbox: Inbox<Command>, reconnector: Reconnector, topology: AMQPTopology, logger: Logger) {
        self.inbox = inbox
        self.reconnector = reconnector
        self.topology = topology
        self.logger = logger
    }

    func run() {
        while true {
            let (commands, closed) = inbox.drain()
            for case .publish(let message) in commands { unsent.append(message) }
            expireOverdue()
            if closed && unsent.isEmpty && unconfirmed.isEmpty { break }

            guard let connection = connection ?? connectIfDue() else {
                if closed {
                    failAll(AMQPError(.shutDown, "the publisher closed while the broker was unreachable"))
                    break
                }
                inbox.wait(timeout: min(reconnector.waitBeforeNextAttempt, .milliseconds(100)))
                continue
            }
            do {
                if !replaceWhenSettled { try sendUnsent(on: connection) }
                connection.waitForInput(orWake: inbox.wakeFD, timeout: .milliseconds(100))
                while let event = try connection.nextEvent() { handle(event) }
                if replaceWhenSettled, unconfirmed.isEmpty {
                    throw AMQPError(.publishNacked, "the broker refused a message; publishing goes on over a fresh connection")
                }
            } catch {
                dropConnection(error)
            }
        }
        connection = nil
    }

    private func connectIfDue() -> AMQPConnection? {
        guard reconnector.waitBeforeNextAttempt == .zero else { return nil }
        connection = reconnector.connect { connection in
            try connection.declare(topology)
            try connection.enablePublisherConfirms()
        }
        return connection
    }

    private func sendUnsent(on connection: AMQPConnection) throws {
        var sent = 0
        defer { unsent.removeFirst(sent) }
        for message in unsent {
            let tag = nextDeliveryTag
            var properties = message.properties
            if message.mandatory { properties.headers[AMQPPublisher.deliveryTagHeader] = .int(Int64(tag)) }
            do {
                try connection.publish(
                    body: message.body, exchange: message.exchange, routingKey: message.routingKey,
                    mandatory: message.mandatory, properties: properties
                )
            } catch {
                // Part of the frame may have left: the broker may or may not have it.
                sent += 1
                message.continuation.resume(throwing: error)
                throw error
            }
            sent += 1
            nextDeliveryTag += 1
            unconfirmed[tag] = message
        }
    }

    private func handle(_ event: AMQPConnection.Event) {
        switch event {
        case .ack(let tag, let multiple):
            for confirmed in tags(upTo: tag, multiple: multiple) {
                guard let message = unconfirmed.removeValue(forKey: confirmed) else { continue }
                if let error = returned.removeValue(forKey: confirmed) {
                    message.continuation.resume(throwing: error)
                } else {
                    message.continuation.resume()
                }
            }
        case .nack(let tag, let multiple):
            replaceWhenSettled = true
            for refused in tags(upTo: tag, multiple: multiple) {
                returned.removeValue(forKey: refused)
                unconfirmed.removeValue(forKey: refused)?.continuation.resume(throwing: AMQPError(
                    .publishNacked, "the broker refused the message (basic.nack): a queue may be full or unavailable"
                ))
            }
        case .returned(let replyCode, let replyText, let properties):
            guard let tag = properties.headers[AMQPPublisher.deliveryTagHeader]?.intValue,
                  let message = unconfirmed[UInt64(tag)]
            else { return }
            returned[UInt64(tag)] = AMQPError(
                .publishReturned,
                "no queue is bound to exchange '\(message.exchange)' with routing key '\(message.routingKey)': \(replyText)",
                replyCode: replyCode
            )
        case .blocked(let reason):
            logger.warning("the broker blocked publishing", metadata: ["amqp.reason": "\(reason)"])
        case .unblocked:
            logger.info("the broker unblocked publishing")
        case .consumerCancelled, .ignored:
            break
        }
    }

    private func tags(upTo tag: UInt64, multiple: Bool) -> [UInt64] {
        multiple ? unconfirmed.keys.filter { $0 <= tag } : [tag]
    }

    private func dropConnection(_ error: Error) {
        connection = nil
        replaceWhenSettled = false
        returned.removeAll()
        nextDeliveryTag = 1
        let lost = AMQPError(.connectionLost, "the connection was lost before the broker confirmed the message; it may or may not have been delivered (\(error))")
        for message in unconfirmed.values { message.continuation.resume(throwing: lost) }
        unconfirmed.removeAll()
        reconnector.connectionLost(error)
    }

    private func expireOverdue() {
        let now = ContinuousClock.now
        guard now >= nextExpiryCheck else { return }
        nextExpiryCheck = now + .milliseconds(100)
        let cause = reconnector.lastError.map { " (last connection error: \($0))" } ?? ""
        unsent.removeAll { message in
            guard message.deadline <= now else { return false }
            message.continuation.resume(throwing: AMQPError(.timeout, "no broker connection before the publish timeout; the message was not sent\(cause)"))
            return true
        }
        for (tag, message) in unconfirmed where message.deadline <= now {
            unconfirmed.removeValue(forKey: tag)
            returned.removeValue(forKey: tag)
            message.continuation.resume(throwing: AMQPError(.timeout, "the broker did not confirm the message before the publish timeout"))
        }
    }

    private func failAll(_ error: AMQPError) {
        for message in unsent { message.continuation.resume(throwing: error) }
        for message in unconfirmed.values { message.continuation.resume(throwing: error) }
        unsent.removeAll()
        unconfirmed.removeAll()
    }
}
