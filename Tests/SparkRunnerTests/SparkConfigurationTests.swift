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
        for (key, value) in [("SLUICE_SPARK_BATCH_SIZE", "0"), ("SLUICE_SPARK_BATCH_MAX_BYTES", "big"), ("SLUICE_SPARK_BATCH_LINGER_MS", "-5")] {
            let error = #expect(throws: ConfigurationError.self) { try SparkConfiguration(environment: [key: value]) }
            #expect(error?.description.contains(key) == true)
        }
    }
}
