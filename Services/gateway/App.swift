import Hummingbird
import Logging

/// The gateway: Sluice's HTTP API (see README.md, "Submitting over HTTP").
@main
struct GatewayApp {
    static func main() async throws {
        LoggingSystem.bootstrap(StreamLogHandler.standardError)
        let logger = Logger(label: "sluice.gateway")
        let app = try await buildApplication(configuration: try GatewayConfiguration(), logger: logger)
        try await app.runService()
    }
}
