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

    @Test func aGatewayURLThatCannotBeUsedIsASettingProblem() {
        for url in ["ftp://gateway", "gateway:58080", "http://"] {
            let error = #expect(throws: ConfigurationError.self) { try GatewayClient(environment: ["SLUICE_GATEWAY_URL": url]) }
            #expect(error?.key == "SLUICE_GATEWAY_URL" && error?.value == url)
        }
    }
}
