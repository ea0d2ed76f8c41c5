import Foundation
import Logging
import ServiceLifecycle
import SluiceAMQP
import SluiceClient
import SluiceContracts
import SluiceCore
import SluiceJobs
import SluicePostgres
import SluiceRecords
import SluiceTestSupport
import SluiceWorker
@testable import analyzer
@testable import gateway
@testable import gpu_normalizer
@testable import spark_runner
@testable import validator

/// Sluice's services, each built exactly as its executable builds it, over the real
/// RabbitMQ, PostgreSQL and Spark (`local[1]`), with a schema, a topology and an
/// artifact folder of the test's own, all removed afterwards.
struct TestPipeline: Sendable {
    /// Which services run.
    enum Services {
        /// The gateway alone: requests are checked and queued, nothing works on them.
        case gatewayOnly
        /// The gateway and the four stage workers.
        case all
    }

    let client: GatewayClient
    let pool: PostgresPool
    let topology: SluiceTopology
    let artifacts: ArtifactStore
    let amqp: AMQPConfiguration
    let schema: String
    /// What the services were built with, for workers started later (``withWorkers(_:)``).
    let configuration: PipelineConfiguration

    static let python = ProcessInfo.processInfo.environment["SLUICE_VENV"].map { "\($0)/bin/python" }
        ?? repositoryRoot.appendingPathComponent(".sluice/venv/bin/python").path

    static func run<T: Sendable>(
        _ services: Services,
        limits: SubmissionLimits = SubmissionLimits(),
        gatewaySettings: [String: String] = [:],
        normalizer: NormalizerConfiguration = .defaults,
        _ body: @Sendable (TestPipeline) async throws -> T
    ) async throws -> T {
        try await withTestSchema { pool, schema in
            try await TestBroker.withTopology { topology in
                let logger = Logger(label: "sluice.test.pipeline") { _ in SwiftLogNoOpLogHandler() }
                var pipeline = try PipelineConfiguration()
                pipeline.database = TestDatabase.configuration(searchPath: [schema])
                pipeline.amqp = try TestBroker.configuration()
                pipeline.topology = topology
                pipeline.limits = limits
                pipeline.migrations = repositoryRoot.appendingPathComponent("infra/migrations")
                pipeline.artifacts = try ArtifactStore(root: FileManager.default.temporaryDirectory.appendingPathComponent("sluice-pipeline-\(UUID())"))
                defer { try? FileManager.default.removeItem(at: pipeline.artifacts.root) }

                // Generous rates by default: the load tests are not about rate limiting.
                let settings = ["SLUICE_HTTP_PORT": "0", "SLUICE_RATE_LIMIT": "100000", "SLUICE_RATE_BURST": "100000"]
                var gatewayConfiguration = try GatewayConfiguration(environment: settings.merging(gatewaySettings) { $1 })
                gatewayConfiguration.pipeline = pipeline
                let (ports, portReady) = AsyncStream.makeStream(of: Int.self)
                let gatewayApp = try await gateway.buildApplication(configuration: gatewayConfiguration, logger: logger) { portReady.yield($0) }
                var groups = [ServiceGroup(services: [gatewayApp], gracefulShutdownSignals: [], cancellationSignals: [], logger: logger)]
                if case .all = services { groups += try await workers(pipeline, normalizer: normalizer, logger: logger) }

                return try await whileRunning(groups) {
                    let port = try await withTimeout(.seconds(30), waitingFor: "the gateway to listen") {
                        var iterator = ports.makeAsyncIterator()
                        return await iterator.next() ?? 0
                    }
                    let key = try await APIKeyStore(pool: pool).create(name: "tests", scope: .write)
                    return try await body(TestPipeline(
                        client: GatewayClient(baseURL: URL(string: "http://127.0.0.1:\(port)")!, apiKey: key),
                        pool: pool, topology: topology, artifacts: pipeline.artifacts, amqp: pipeline.amqp, schema: schema,
                        configuration: pipeline
                    ))
                }
            }
        }
    }

    private static func workers(_ pipeline: PipelineConfiguration, normalizer: NormalizerConfiguration, logger: Logger) async throws -> [ServiceGroup] {
        var configuration = try WorkerConfiguration()
        configuration.pipeline = pipeline
        let spark = SparkConfiguration(
            master: "local[1]",
            python: python,
            driverScript: repositoryRoot.appendingPathComponent("Services/spark-runner/driver/sluice_spark_driver.py").path,
            extraArguments: ["--no-warmup"]
        )
        return [
            try await validator.buildServiceGroup(configuration: configuration, logger: logger),
            try await gpu_normalizer.buildServiceGroup(configuration: configuration, normalizer: normalizer, logger: logger),
            try await spark_runner.buildServiceGroup(configuration: configuration, spark: spark, logger: logger),
            try await analyzer.buildServiceGroup(configuration: configuration, prices: PriceTable(), logger: logger),
        ]
    }

    /// Runs `body` while the four stage workers run beside the gateway, for a test that
    /// readies a job with the gateway alone first.
    func withWorkers<T: Sendable>(_ body: () async throws -> T) async throws -> T {
        let logger = Logger(label: "sluice.test.pipeline") { _ in SwiftLogNoOpLogHandler() }
        return try await whileRunning(try await Self.workers(configuration, normalizer: .defaults, logger: logger), body)
    }

    /// Rows in `jobs`.
    func jobCount() async throws -> Int {
        try await pool.withConnection { try $0.query("SELECT count(*) AS n FROM jobs").single().decode("n") }
    }

    /// The job's status as `jobs` holds it.
    func status(of jobID: String) async throws -> String {
        try await pool.withConnection { try $0.query("SELECT status FROM jobs WHERE job_id = \(jobID)::uuid").single().decode("status") }
    }

    /// Messages waiting in the validate queue.
    func queuedMessages() async throws -> Int {
        try await AMQPAdmin(configuration: amqp).messageCount(queue: topology.queue(.validate))
    }

    /// Entries in the artifact folder (one folder per job that has artifacts).
    func artifactFolders() throws -> [String] {
        (try? FileManager.default.contentsOfDirectory(atPath: artifacts.root.path)) ?? []
    }
}
