import Foundation
import Logging
import SluiceCore
import SluiceObservability
import SluiceWorker

/// The analyzer service: consumes the analyze queue, completes each job with its summary.
@main
struct AnalyzerApp {
    static func main() async {
        ReadinessProbe.runIfAsked(port: ProcessInfo.processInfo.environment["SLUICE_HEALTH_PORT"].flatMap { Int($0) })
        await ProgramExit.run("analyzer") {
            let logger = try Observability.bootstrap(label: "sluice.analyzer")
            let services = try await buildServiceGroup(configuration: try WorkerConfiguration(), prices: try PriceTable(), logger: logger)
            try await services.run()
        }
    }
}
