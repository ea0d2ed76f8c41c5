import SluiceCore
import SluiceJobs
import Testing
@testable import spark_runner

/// The spark-runner's settings from the environment (no driver, no servers).
@Suite struct SparkConfigurationTests {
    @Test func recyclingIsOffByDefaultAndZeroMeansNever() throws {
        for environment in [[:], ["SLUICE_SPARK_MAX_JOBS": "0", "SLUICE_SPARK_MAX_MINUTES": "0"]] {
            let configuration = try SparkConfiguration(environment: environment)
            #expect(configuration.maxJobs == nil)
            #expect(configuration.maxAge == nil)
        }
    }

    @Test func readsTheLimitsAndRefusesMalformedOnesByName() throws {
        let configuration = try SparkConfiguration(environment: ["SLUICE_SPARK_MAX_JOBS": "500", "SLUICE_SPARK_MAX_MINUTES": "1.5"])
        #expect(configuration.maxJobs == 500)
        #expect(configuration.maxAge == .seconds(90))
        for (key, value) in [("SLUICE_SPARK_MAX_JOBS", "-1"), ("SLUICE_SPARK_MAX_JOBS", "many"), ("SLUICE_SPARK_MAX_MINUTES", "-2")] {
            let error = #expect(throws: ConfigurationError.self) { try SparkConfiguration(environment: [key: value]) }
            #expect(error?.description.contains(key) == true)
        }
    }

    @Test func batchingIsOnByDefaultAndItsBoundsAreRead() throws {
        let defaults = try SparkConfiguration(environment: [:])
        #expect((defaults.batchSize, defaults.batchMaxBytes, defaults.batchLinger) == (64, 1 << 20, .milliseconds(5)))
        let configured = try SparkConfiguration(environment: [
            "SLUICE_SPARK_BATCH_SIZE": "1", "SLUICE_SPARK_BATCH_MAX_BYTES": "4096", "SLUICE_SPARK_BATCH_LINGER_MS": "0",
        ])
        #expect((configured.batchSize, configured.batchMaxBytes, configured.batchLinger) == (1, 4096, .zero))
        #expect(defaults.concurrency == 2)
        #expect(try SparkConfiguration(environment: ["SLUICE_SPARK_CONCURRENCY": "1"]).concurrency == 1)
        for (key, value) in [
            ("SLUICE_SPARK_BATCH_SIZE", "0"), ("SLUICE_SPARK_BATCH_MAX_BYTES", "big"), ("SLUICE_SPARK_BATCH_LINGER_MS", "-5"),
            ("SLUICE_SPARK_CONCURRENCY", "0"),
        ] {
            let error = #expect(throws: ConfigurationError.self) { try SparkConfiguration(environment: [key: value]) }
            #expect(error?.description.contains(key) == true)
        }
    }

    @Test func executorSettingsBecomeSparkConfThatTheExtraConfOverrides() throws {
        let configuration = try SparkConfiguration(environment: [
            "SLUICE_SPARK_EXECUTOR_MEMORY": "4g", "SLUICE_SPARK_EXECUTOR_CORES": "2",
            "SLUICE_SPARK_CONF": "spark.executor.cores=3 spark.sql.shuffle.partitions=8",
        ])
        #expect(configuration.extraArguments == [
            "--conf", "spark.executor.memory=4g", "--conf", "spark.executor.cores=2",
            "--conf", "spark.executor.cores=3", "--conf", "spark.sql.shuffle.partitions=8",
        ])
        let error = #expect(throws: ConfigurationError.self) { try SparkConfiguration(environment: ["SLUICE_SPARK_EXECUTOR_CORES": "0"]) }
        #expect(error?.description.contains("SLUICE_SPARK_EXECUTOR_CORES") == true)
    }

    @Test func thePipelinesRunAtOnceUnlessSetToRunOneAfterTheOther() throws {
        #expect(try SparkConfiguration(environment: [:]).pipelines == .concurrent)
        #expect(try SparkConfiguration(environment: ["SLUICE_SPARK_PIPELINES": "sequential"]).pipelines == .sequential)
        let error = #expect(throws: ConfigurationError.self) { try SparkConfiguration(environment: ["SLUICE_SPARK_PIPELINES": "parallel"]) }
        #expect(error?.description.contains("SLUICE_SPARK_PIPELINES") == true)
        #expect(error?.description.contains("concurrent or sequential") == true)
    }

    @Test func coldModeIsADriverPerJobWithoutBatchingOrWarmUp() throws {
        let cold = try SparkConfiguration(environment: ["SLUICE_SPARK_MODE": "cold"])
        #expect(cold.cold && cold.maxJobs == 1 && cold.batchSize == 1 && cold.concurrency == 1)
        #expect(cold.extraArguments.last == "--no-warmup")
        #expect(try !SparkConfiguration(environment: [:]).cold)
        let error = #expect(throws: ConfigurationError.self) { try SparkConfiguration(environment: ["SLUICE_SPARK_MODE": "lukewarm"]) }
        #expect(error?.description.contains("SLUICE_SPARK_MODE") == true)
    }
}
