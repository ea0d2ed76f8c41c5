import Foundation
import SluiceCore
import Testing
@testable import SluiceClient
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// A request that got no answer is told in words: what failed at which URL, then what to do.
@Suite struct GatewayClientErrorTests {
    static let gateway = URL(string: "http://gateway.example:58080")!

    @Test(arguments: [
        (URLError.Code.cannotConnectToHost, "the connection was refused", GatewayClientError.Kind.unreachable),
        (.cannotFindHost, "the host 'gateway.example' is unknown", .unreachable),
        (.dnsLookupFailed, "the host 'gateway.example' is unknown", .unreachable),
        (.timedOut, "no answer within 60 s", .unreachable),
        (.networkConnectionLost, "the connection closed before an answer came", .unreachable),
        (.badServerResponse, "what answered does not speak HTTP", .notTheGateway),
    ])
    func eachFailureIsTwoLinesNamingTheGateway(code: URLError.Code, what: String, kind: GatewayClientError.Kind) {
        let error = GatewayClientError(URLError(code), reaching: Self.gateway, timeout: .seconds(60))
        let lines = error.description.split(separator: "\n")
        #expect(lines.count == 2)
        let failed = code == .timedOut ? "the gateway at http://gateway.example:58080 gave" : "cannot reach the gateway at http://gateway.example:58080:"
        #expect(lines.first == "\(failed) \(what)"[...])
        #expect(error.kind == kind)
        #expect(!error.description.contains("NSURLErrorDomain"))
    }

    /// A load balancer's own 502, 503 or 504 page means no gateway behind it answered; any
    /// other answer without a Sluice error means the URL names something else.
    @Test(arguments: [(502, GatewayClientError.Kind.unreachable), (503, .unreachable), (504, .unreachable), (404, .notTheGateway), (200, .notTheGateway)])
    func anAnswerWithoutASluiceErrorIsToldByItsStatus(status: Int, kind: GatewayClientError.Kind) {
        let error = GatewayClientError.notSluice(Self.gateway, status: status, "GET /api/v1/jobs got HTTP \(status) with a body that is not JSON")
        #expect(error.kind == kind)
        #expect(error.description.split(separator: "\n").count == 2)
        #expect(error.description.contains("HTTP \(status)"))
    }

    @Test func aGatewayURLThatCannotBeUsedIsASettingProblem() {
        for url in ["ftp://gateway", "gateway:58080", "http://"] {
            let error = #expect(throws: ConfigurationError.self) { try GatewayClient(environment: ["SLUICE_GATEWAY_URL": url]) }
            #expect(error?.key == "SLUICE_GATEWAY_URL" && error?.value == url)
        }
    }
}
