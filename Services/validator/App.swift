import Logging
import SluiceWorker

/// The validator service: consumes the validate queue (and submissions from scripts).
@main
struct ValidatorApp {
    static func main() async throws {
        LoggingSystem.bootstrap(StreamLogHandler.standardError)
        let logger = Logger(label: "sluice.validator")
        let services = try await buildServiceGroup(configuration: try WorkerConfiguration(), logger: logger)
        try await services.run()
    }
}
