import Foundation
import Hummingbird
import Logging
import SluiceCore
import SluiceObservability

/// The gateway: Sluice's HTTP API (see README.md, "Submitting over HTTP").
@main
struct GatewayApp {
    static func main() async {
        ReadinessProbe.runIfAsked(port: Int(ProcessInfo.processInfo.environment["SLUICE_HTTP_PORT"] ?? "58080"))
        await ProgramExit.run("gateway") {
            let logger = try Observability.bootstrap(label: "sluice.gateway")
            let app = try await buildApplication(configuration: try GatewayConfiguration(), logger: logger)
            try await app.runService()
        }
    }
}
