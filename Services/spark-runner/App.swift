import Foundation
import Logging
import SluiceObservability
import SluiceWorker

/// The spark-runner service: consumes the spark queue and aggregates each job on a
/// warm Spark session.
@main
struct SparkRunnerApp {
    static func main() async throws {
        ReadinessProbe.runIfAsked(port: ProcessInfo.processInfo.environment["SLUICE_HEALTH_PORT"].flatMap { Int($0) })
        let logger = try Observability.bootstrap(label: "sluice.spark-runner")
        let services = try await buildServiceGroup(
            configuration: try WorkerConfiguration(), spark: try SparkConfiguration(), logger: logger
        )
        try await services.run()
    }
}
