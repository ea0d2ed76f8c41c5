import Foundation
import Logging
import SluiceCore
import SluiceObservability
import SluiceWorker

/// The validator service: consumes the validate queue (and submissions from scripts).
@main
struct ValidatorApp {
    static func main() async {
        ReadinessProbe.runIfAsked(port: ProcessInfo.processInfo.environment["SLUICE_HEALTH_PORT"].flatMap { Int($0) })
        await ProgramExit.run("validator") {
            let logger = try Observability.bootstrap(label: "sluice.validator")
            let services = try await buildServiceGroup(configuration: try WorkerConfiguration(), logger: logger)
            try await services.run()
        }
    }
}
