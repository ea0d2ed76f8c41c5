/// What the broker says of a queue at one moment (a passive declare): messages ready to
/// be delivered and consumers subscribed. Messages delivered but not yet acknowledged
/// are in neither; RabbitMQ's own metrics (`rabbitmq_prometheus`) count those.
public struct QueueDepth: Sendable, Equatable {
    public let queue: String
    public let ready: Int
    public let consumers: Int
}
