import Logging
import SluiceObservability
import SluiceWorker

/// The validator service: consumes the validate queue (and submissions from scripts).
@main
struct ValidatorApp {
    static func main() async throws {
        let logger = try Observability.bootstrap(label: "sluice.validator")
        let services = try await buildServiceGroup(configuration: try WorkerConfiguration(), logger: logger)
        try await services.run()
    }
}
