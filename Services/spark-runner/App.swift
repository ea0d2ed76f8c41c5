import Foundation
import Logging
import SluiceCore
import SluiceObservability
import SluiceWorker

/// The spark-runner service: consumes the spark queue and aggregates each job on a
/// warm Spark session.
@main
struct SparkRunnerApp {
    static func main() async {
        ReadinessProbe.runIfAsked(port: ProcessInfo.processInfo.environment["SLUICE_HEALTH_PORT"].flatMap { Int($0) })
        await ProgramExit.run("spark-runner") {
            let logger = try Observability.bootstrap(label: "sluice.spark-runner")
            let spark = try SparkConfiguration()
            var configuration = try WorkerConfiguration()
            // Batches form from the jobs this process holds at once: unless told otherwise, hold a batch's worth.
            if ProcessInfo.processInfo.environment["SLUICE_PREFETCH"] == nil {
                configuration.prefetch = UInt16(clamping: spark.batchSize)
            }
            let services = try await buildServiceGroup(configuration: configuration, spark: spark, logger: logger)
            try await services.run()
        }
    }
}
