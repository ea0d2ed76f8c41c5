/// One broker node's address. A configuration lists one per node of a cluster.
public struct AMQPEndpoint: Sendable, Hashable, CustomStringConvertible {
    /// Host name or address.
    public var host: String
    /// AMQP port. Default 5672.
    public var port: Int

    /// Creates an endpoint.
    public init(host: String, port: Int = 5672) {
        self.host = host
        self.port = port
    }

    public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
}
