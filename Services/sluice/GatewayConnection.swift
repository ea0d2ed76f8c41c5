import ArgumentParser
import Foundation
import SluiceClient

/// `--gateway URL` and `--api-key KEY`: where the gateway is and the key to show it,
/// shared by every command that talks to the gateway.
struct GatewayConnection: ParsableArguments {
    @Option(name: .long, help: "The gateway's URL (default: SLUICE_GATEWAY_URL, else http://127.0.0.1:58080).")
    var gateway: String?

    @Option(name: .long, help: "The API key (default: SLUICE_API_KEY).")
    var apiKey: String?

    func client() throws -> GatewayClient {
        var environment = ProcessInfo.processInfo.environment
        if let gateway { environment["SLUICE_GATEWAY_URL"] = gateway }
        if let apiKey { environment["SLUICE_API_KEY"] = apiKey }
        return try GatewayClient(environment: environment)
    }
}
