import Foundation
import SluiceCore

/// Where the broker is and how to talk to it.
///
/// Environment keys (see ``init(environment:)``):
/// - `SLUICE_AMQP_URL`: `amqp://user:password@host:port/vhost`
///   (default `amqp://sluice:sluice@127.0.0.1:56720/sluice`; percent-encode `/` in a vhost as `%2f`).
/// - `SLUICE_AMQP_HEARTBEAT`: heartbeat interval in seconds (default 30; 0 turns heartbeats off).
/// - `SLUICE_AMQP_CONNECT_TIMEOUT`: TCP connect and handshake timeout in seconds (default 5).
public struct AMQPConfiguration: Sendable, Hashable, CustomStringConvertible {
    /// Broker host. Default `127.0.0.1`.
    public var host: String
    /// Broker port. Default 5672.
    public var port: Int
    /// User name. Default `guest`.
    public var user: String
    /// Password. Never printed.
    public var password: String
    /// Virtual host. Default `/`.
    public var virtualHost: String
    /// Heartbeat interval negotiated with the broker. Default 30 s; zero turns heartbeats off.
    public var heartbeat: Duration = .seconds(30)
    /// Timeout for the TCP connect and the AMQP handshake. Default 5 s.
    public var connectTimeout: Duration = .seconds(5)
    /// Timeout for each synchronous AMQP method (declare, qos, consume…). Default 10 s.
    public var rpcTimeout: Duration = .seconds(10)
    /// Largest frame in bytes. Default 131072, RabbitMQ's own default.
    public var frameMax: Int = 131_072
    /// Name shown for this connection in the broker's tooling. Default `sluice`.
    public var connectionName: String = "sluice"
    /// Delays between reconnect attempts. Default ``Backoff/init(initial:maximum:multiplier:)``'s defaults.
    public var reconnectBackoff = Backoff()

    /// The URL a local `make run` or `make test` stack listens on.
    public static let defaultURL = "amqp://sluice:sluice@127.0.0.1:56720/sluice"

    /// Parses `amqp://user:password@host:port/vhost`.
    public init(url: String) throws {
        guard let components = URLComponents(string: url), components.scheme == "amqp" else {
            throw AMQPError(.invalidConfiguration, "'\(Self.redacted(url))' is not an amqp:// URL")
        }
        guard let host = components.host, !host.isEmpty else {
            throw AMQPError(.invalidConfiguration, "'\(Self.redacted(url))' names no host")
        }
        self.host = host
        self.port = components.port ?? 5672
        self.user = components.user ?? "guest"
        self.password = components.password ?? "guest"
        let path = components.percentEncodedPath
        if path.isEmpty || path == "/" {
            self.virtualHost = "/"
        } else {
            self.virtualHost = String(path.dropFirst()).removingPercentEncoding ?? String(path.dropFirst())
        }
    }

    /// Reads the broker settings from the environment; the keys and defaults are listed on the type.
    public init(environment: [String: String] = ProcessInfo.processInfo.environment) throws {
        let url = environment["SLUICE_AMQP_URL"] ?? Self.defaultURL
        do {
            try self.init(url: url)
        } catch {
            throw AMQPError(
                .invalidConfiguration,
                "SLUICE_AMQP_URL='\(Self.redacted(url))' is not an amqp:// URL with a host, such as amqp://user:password@host:5672/vhost"
            )
        }
        if let seconds = try Self.seconds(environment, "SLUICE_AMQP_HEARTBEAT") { heartbeat = seconds }
        if let seconds = try Self.seconds(environment, "SLUICE_AMQP_CONNECT_TIMEOUT") { connectTimeout = seconds }
    }

    public var description: String {
        "amqp://\(user):***@\(host):\(port)/\(virtualHost == "/" ? "%2f" : virtualHost)"
    }

    private static func seconds(_ environment: [String: String], _ key: String) throws -> Duration? {
        guard let text = environment[key] else { return nil }
        guard let value = Double(text), value >= 0, value.isFinite else {
            throw AMQPError(.invalidConfiguration, "\(key)='\(text)' is not a number of seconds (0 or more)")
        }
        return .milliseconds(Int64(value * 1000))
    }

    private static func redacted(_ url: String) -> String {
        guard var components = URLComponents(string: url), components.password != nil else { return url }
        components.password = "***"
        return components.string ?? "<unparseable URL>"
    }
}
