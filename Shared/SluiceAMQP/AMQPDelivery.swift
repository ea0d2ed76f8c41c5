/// A message handed to a consumer. Settle it exactly once with ``ack()``,
/// ``nack(requeue:)`` or ``reject(requeue:)``.
///
/// Settling queues the decision for the consumer's connection thread, which sends
/// settlements in order and before it closes; the call itself does not wait (the
/// broker sends nothing back for an ack). If the connection the message came on is
/// lost meanwhile, the broker has already put the message back and delivers it again,
/// which at-least-once consumers handle anyway.
public struct AMQPDelivery: Sendable {
    /// The message body.
    public let body: [UInt8]
    /// The message properties, headers included.
    public let properties: AMQPProperties
    /// The broker's tag for this delivery on its connection.
    public let deliveryTag: UInt64
    /// Whether the broker delivered this message before (to any consumer).
    public let redelivered: Bool
    /// The exchange the message was published to.
    public let exchange: String
    /// The routing key it was published with.
    public let routingKey: String

    let settler: DeliverySettler

    /// How many times the message was delivered before this one (quorum queues count
    /// returns in `x-delivery-count`; 0 on the first delivery).
    public var previousDeliveries: Int {
        Int(properties.headers["x-delivery-count"]?.intValue ?? 0)
    }

    /// Done with it: the broker deletes it.
    /// - Throws: ``AMQPError`` `shutDown` once the consumer is closed.
    public func ack() throws {
        try settler.settle(deliveryTag, .ack)
    }

    /// Failed: requeue it (the default), or dead-letter it when `requeue` is false.
    /// - Throws: ``AMQPError`` `shutDown` once the consumer is closed.
    public func nack(requeue: Bool = true) throws {
        try settler.settle(deliveryTag, .nack(requeue: requeue))
    }

    /// Refused: dead-letter it (the default), or requeue it.
    /// - Throws: ``AMQPError`` `shutDown` once the consumer is closed.
    public func reject(requeue: Bool = false) throws {
        try settler.settle(deliveryTag, .reject(requeue: requeue))
    }
}

/// Sends a settlement back to the connection a delivery came on.
struct DeliverySettler: Sendable {
    enum Settlement: Sendable {
        case ack
        case nack(requeue: Bool)
        case reject(requeue: Bool)
    }

    let inbox: Inbox<ConsumerLoop.Command>
    /// Which connection of the consumer the delivery came on.
    let generation: UInt64

    func settle(_ deliveryTag: UInt64, _ settlement: Settlement) throws {
        guard inbox.send(.settle(deliveryTag, settlement, generation: generation)) else {
            throw AMQPError(.shutDown, "the consumer is closed; the broker will redeliver the message")
        }
    }
}
