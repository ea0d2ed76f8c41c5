import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// A call to the gateway that got no usable answer, in words a person can act on: what
/// failed on the first line, what to do on the second.
public struct GatewayClientError: Error, CustomStringConvertible, Sendable {
    /// What kind of failure this is; the `sluice` CLI picks its exit status by it.
    public enum Kind: Sendable, Hashable {
        /// Nothing answered at the gateway's URL (refused, unknown host, timed out, cut off), or
        /// the gateway or a proxy in front of it answered that it cannot serve for now (503).
        case unreachable
        /// Something answered that is not the gateway's API.
        case notTheGateway
        /// The gateway answered with a refusal the caller did not expect to handle.
        case refused
    }

    /// What kind of failure this is.
    public let kind: Kind
    /// One or two lines: what failed, then what to do.
    public let description: String

    /// Creates the error.
    public init(_ description: String, kind: Kind = .refused) {
        self.kind = kind
        self.description = description
    }

    /// The error for a request to `gateway` that failed in the URL loading system.
    init(_ error: URLError, reaching gateway: URL, timeout: Duration) {
        let check = "check --gateway or SLUICE_GATEWAY_URL"
        let (what, todo): (String, String) = switch error.code {
        case .cannotConnectToHost:
            ("the connection was refused", "is the gateway running? `make run` starts it; otherwise \(check)")
        case .cannotFindHost, .dnsLookupFailed:
            ("the host '\(gateway.host ?? "")' is unknown", check)
        case .timedOut:
            ("no answer within \(timeout.components.seconds) s", "it may be overloaded (see its log), or the address may drop packets; \(check)")
        case .networkConnectionLost:
            ("the connection closed before an answer came", "retry; if it persists, see the gateway's log")
        case .badServerResponse:
            ("what answered does not speak HTTP", check)
        case .notConnectedToInternet, .cannotLoadFromNetwork:
            ("there is no network route to it", check)
        default:
            ("URLError code \(error.code.rawValue)", check)
        }
        let kind: Kind = error.code == .badServerResponse ? .notTheGateway : .unreachable
        // A request that timed out reached something; the rest never got an answer started.
        let failed = error.code == .timedOut ? "the gateway at \(gateway.absoluteString) gave" : "cannot reach the gateway at \(gateway.absoluteString):"
        self.init("\(failed) \(what)\n\(todo)", kind: kind)
    }

    /// The error for an answer from `gateway` that is not the gateway API's.
    /// The error for an answer without a Sluice error in it: HTTP `status` from a proxy in
    /// front of the gateways (502, 503, 504: none of them answered) or from something that is not the gateway.
    static func notSluice(_ gateway: URL, status: Int, _ what: String) -> GatewayClientError {
        guard [502, 503, 504].contains(status) else { return notTheGateway(gateway, what) }
        return GatewayClientError(
            "no gateway answered behind \(gateway.absoluteString): \(what), from a proxy or load balancer in front of it\n"
                + "are the gateways running? see their logs and the load balancer's",
            kind: .unreachable
        )
    }

    static func notTheGateway(_ gateway: URL, _ what: String) -> GatewayClientError {
        GatewayClientError(
            "\(gateway.absoluteString) is not Sluice's gateway: \(what)\n"
                + "point --gateway or SLUICE_GATEWAY_URL at the gateway (default http://127.0.0.1:58080), not at a worker's health port",
            kind: .notTheGateway
        )
    }
}
