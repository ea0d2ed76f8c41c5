/// A message handed to a consumer. Settle it exactly once with ``ack()``,
/// ``nack(requeue:)`` or ``reject(requeue:)``; the settlement is carried out on the
/// consumer's connection thread and the call returns once it was sent.
///
/// If the connection the message came on has been lost meanwhile, settling throws
/// `connectionLost`: the broker has already put the message back and will deliver it
/// again, so the caller only logs it.
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
    public func ack() async throws {
        try await settler.settle(deliveryTag, .ack)
    }

    /// Failed: requeue it (the default), or dead-letter it when `requeue` is false.
    public func nack(requeue: Bool = true) async throws {
        try await settler.settle(deliveryTag, .nack(requeue: requeue))
    }

    /// Refused: dead-letter it (the default), or requeue it.
    public func reject(requeue: Bool = false) async throws {
        try await settler.settle(deliveryTag, .reject(requeue: requeue))
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

    func settle(_ deliveryTag: UInt64, _ settlement: Settlement) async throws {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, Error>) in
            let command = ConsumerLoop.Command.settle(deliveryTag, settlement, generation: generation, continuation)
            if !inbox.send(command) {
                continuation.resume(throwing: AMQPError(.shutDown, "the consumer is closed; the broker will redeliver the message"))
            }
        }
    }
}
