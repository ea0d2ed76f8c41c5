import Logging
import SluiceWorker

/// The analyzer service: consumes the analyze queue, completes each job with its summary.
@main
struct AnalyzerApp {
    static func main() async throws {
        LoggingSystem.bootstrap(StreamLogHandler.standardError)
        let logger = Logger(label: "sluice.analyzer")
        let services = try await buildServiceGroup(configuration: try WorkerConfiguration(), prices: try PriceTable(), logger: logger)
        try await services.run()
    }
}
