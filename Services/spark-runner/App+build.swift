import Logging
import ServiceLifecycle
import SluiceCore
import SluiceWorker

/// Builds exactly what the spark-runner runs (see ``StageWorker``), with the Spark
/// driver as a service of its own: started on the first job, stopped after the runner.
func buildServiceGroup(configuration: WorkerConfiguration, spark: SparkConfiguration, logger: Logger) async throws -> ServiceGroup {
    let driver = SparkDriver(configuration: spark, logger: logger)
    return try await StageWorker.serviceGroup(stage: .spark, configuration: configuration, logger: logger) { _ in
        .init(
            handler: SparkStage(driver: driver, master: spark.master, batchMaxBytes: spark.batchMaxBytes, pipelines: spark.pipelines),
            services: [driver],
            // Cold, no driver runs between jobs: there is nothing to be warm.
            readiness: spark.cold ? [] : [ReadinessCheck("spark_driver") { guard driver.isReady else { throw SparkDriver.NotReady() } }]
        )
    }
}
