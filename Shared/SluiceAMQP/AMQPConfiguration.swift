import Foundation
import SluiceCore

/// Where the broker is and how to talk to it.
///
/// Environment keys (see ``init(environment:)``):
/// - `SLUICE_AMQP_URL`: `amqp://user:password@host:port/vhost`, or for a cluster every node's
///   address, comma-separated: `amqp://user:password@rabbit1:5672,rabbit2:5672,rabbit3:5672/vhost`
///   (default `amqp://sluice:sluice@127.0.0.1:56720/sluice`; percent-encode `/` in a vhost as `%2f`).
/// - `SLUICE_AMQP_HEARTBEAT`: heartbeat interval in seconds (default 30; 0 turns heartbeats off).
/// - `SLUICE_AMQP_CONNECT_TIMEOUT`: TCP connect and handshake timeout in seconds (default 5).
public struct AMQPConfiguration: Sendable, Hashable, CustomStringConvertible {
    /// The broker's nodes, never empty. A connection goes to one of them and, when that
    /// node is lost, to the next that answers.
    public var endpoints: [AMQPEndpoint]
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

    /// Parses `amqp://user:password@host:port/vhost`, where `host:port` may be a
    /// comma-separated list of nodes (`rabbit1:5672,rabbit2,rabbit3:5673`) as in a
    /// libpq multi-host URL; a node without a port gets 5672.
    public init(url: String) throws {
                var endpoints: [AMQPEndpoint] = []
        var first: URLComponents?
        for node in Self.splitHosts(url) {
            guard let components = URLComponents(string: node), components.scheme == "amqp" else {
                throw AMQPError(.invalidConfiguration, "'\(Self.redacted(url))' is not an amqp:// URL")
            }
            guard let host = components.host, !host.isEmpty else {
                throw AMQPError(.invalidConfiguration, "'\(Self.redacted(url))' names no host")
            }
            endpoints.append(AMQPEndpoint(host: host, port: components.port ?? 5672))
            first = first ?? components
        }
        guard let components = first else {
            throw AMQPError(.invalidConfiguration, "'\(Self.redacted(url))' names no host")
        }
        self.endpoints = endpoints
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
        let nodes = endpoints.map(\.description).joined(separator: ",")
        return "amqp://\(user):***@\(nodes)/\(virtualHost == "/" ? "%2f" : virtualHost)"
    }

    /// The parts of `url` around its host list: `amqp://user:password@`, the hosts, and `/vhost?…`.
    private static func parts(_ url: String) -> (head: Substring, userInfo: Substring, hosts: Substring, tail: Substring)? {
        guard let schemeEnd = url.range(of: "://") else { return nil }
        let rest = url[schemeEnd.upperBound...]
        let authorityEnd = rest.firstIndex { $0 == "/" || $0 == "?" || $0 == "#" } ?? rest.endIndex
        let authority = rest[..<authorityEnd]
        let at = authority.lastIndex(of: "@")
        let userInfo = at.map { authority[...$0] } ?? authority[authority.startIndex..<authority.startIndex]
        let hosts = at.map { authority[authority.index(after: $0)...] } ?? authority
        return (url[..<schemeEnd.upperBound], userInfo, hosts, rest[authorityEnd...])
    }

    /// One single-host URL per node of `url`'s host list, each with the same user,
    /// password and path (split here because `URLComponents` reads one host).
    private static func splitHosts(_ url: String) -> [String] {
        guard let (head, userInfo, hosts, tail) = parts(url) else { return [url] }
        return hosts.split(separator: ",", omittingEmptySubsequences: false).map { "\(head)\(userInfo)\($0)\(tail)" }
    }

    private static func seconds(_ environment: [String: String], _ key: String) throws -> Duration? {
        guard let text = environment[key] else { return nil }
        guard let value = Double(text), value >= 0, value.isFinite else {
            throw AMQPError(.invalidConfiguration, "\(key)='\(text)' is not a number of seconds (0 or more)")
        }
        return .milliseconds(Int64(value * 1000))
    }

    /// `url` with its password, if any, as `***`.
    private static func redacted(_ url: String) -> String {
        guard let (head, userInfo, hosts, tail) = parts(url), let colon = userInfo.firstIndex(of: ":") else { return url }
        return "\(head)\(userInfo[...colon])***@\(hosts)\(tail)"
    }
}
