import Foundation
import Logging
import SluiceCore
import SluiceObservability
import SluiceWorker

/// The gpu-normalizer service: consumes the normalize queue and writes each job's
/// `normalized.parquet`.
@main
struct NormalizerApp {
    static func main() async {
        ReadinessProbe.runIfAsked(port: ProcessInfo.processInfo.environment["SLUICE_HEALTH_PORT"].flatMap { Int($0) })
        await ProgramExit.run("gpu-normalizer") {
            let logger = try Observability.bootstrap(label: "sluice.gpu-normalizer")
            let services = try await buildServiceGroup(
                configuration: try WorkerConfiguration(), normalizer: try NormalizerConfiguration(), logger: logger
            )
            try await services.run()
        }
    }
}
