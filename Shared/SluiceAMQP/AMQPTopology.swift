/// The exchanges, queues and bindings a program needs, described once in code and
/// declared (idempotently) on every connect and reconnect.
public struct AMQPTopology: Sendable, Hashable {
    /// An exchange to declare.
    public struct Exchange: Sendable, Hashable {
        /// How an exchange routes.
        public enum Kind: String, Sendable, Hashable { case direct, fanout, topic, headers }
        public var name: String
        public var kind: Kind
        /// Survives a broker restart. Default `true`.
        public var durable: Bool

        public init(name: String, kind: Kind, durable: Bool = true) {
            self.name = name
            self.kind = kind
            self.durable = durable
        }
    }

    /// A queue to declare, with its `x-` arguments.
    public struct Queue: Sendable, Hashable {
        public var name: String
        /// Survives a broker restart. Default `true`.
        public var durable: Bool
        /// Deleted when its last consumer goes away. Default `false`.
        public var autoDelete: Bool
        /// Declare-time arguments such as `x-queue-type`.
        public var arguments: [String: AMQPFieldValue]

        public init(name: String, durable: Bool = true, autoDelete: Bool = false, arguments: [String: AMQPFieldValue] = [:]) {
            self.name = name
            self.durable = durable
            self.autoDelete = autoDelete
            self.arguments = arguments
        }

        /// A replicated, durable quorum queue with at-least-once dead-lettering.
        ///
        /// - Parameters:
        ///   - deliveryLimit: deliveries after which a message that keeps coming back is
        ///     dead-lettered instead of requeued (poison-message protection).
        ///   - deadLetterExchange: where dead-lettered and expired messages go.
        ///   - deadLetterRoutingKey: routing key they get there; their own key when `nil`.
        ///   - messageTTL: messages expire (and are dead-lettered) after this long; used by retry tiers.
        public static func quorum(
            _ name: String,
            deliveryLimit: Int? = nil,
            deadLetterExchange: String? = nil,
            deadLetterRoutingKey: String? = nil,
            messageTTL: Duration? = nil
        ) -> Queue {
            var arguments: [String: AMQPFieldValue] = ["x-queue-type": "quorum"]
            if let deliveryLimit { arguments["x-delivery-limit"] = .int(Int64(deliveryLimit)) }
            if let deadLetterExchange {
                arguments["x-dead-letter-exchange"] = .string(deadLetterExchange)
                // Without these two, RabbitMQ 3.10 silently falls back to at-most-once dead-lettering.
                arguments["x-dead-letter-strategy"] = "at-least-once"
                arguments["x-overflow"] = "reject-publish"
            }
            if let deadLetterRoutingKey { arguments["x-dead-letter-routing-key"] = .string(deadLetterRoutingKey) }
            if let messageTTL {
                let milliseconds = messageTTL.components.seconds * 1000 + messageTTL.components.attoseconds / 1_000_000_000_000_000
                arguments["x-message-ttl"] = .int(milliseconds)
            }
            return Queue(name: name, arguments: arguments)
        }
    }

    /// Routes messages from an exchange to a queue.
    public struct Binding: Sendable, Hashable {
        public var queue: String
        public var exchange: String
        public var routingKey: String

        public init(queue: String, exchange: String, routingKey: String = "") {
            self.queue = queue
            self.exchange = exchange
            self.routingKey = routingKey
        }
    }

    public var exchanges: [Exchange]
    public var queues: [Queue]
    public var bindings: [Binding]

    /// Creates a topology; declaration order is exchanges, queues, then bindings.
    public init(exchanges: [Exchange] = [], queues: [Queue] = [], bindings: [Binding] = []) {
        self.exchanges = exchanges
        self.queues = queues
        self.bindings = bindings
    }
}
