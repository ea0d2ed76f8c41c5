import Foundation
import Logging
import SluiceColumns
import SluiceContracts
import SluiceCore
import SluiceJobs
import SluiceTestSupport
import SluiceWorker
import Testing
@testable import spark_runner

/// The spark stage against a real PySpark driver (`local[1]`), started by the service's own supervisor.
@Suite(.serialized) struct SparkStageTests {
    static let configuration = SparkConfiguration(
        master: "local[1]",
        python: ProcessInfo.processInfo.environment["SLUICE_VENV"].map { "\($0)/bin/python" }
            ?? repositoryRoot.appendingPathComponent(".sluice/venv/bin/python").path,
        driverScript: repositoryRoot.appendingPathComponent("Services/spark-runner/driver/sluice_spark_driver.py").path,
        extraArguments: ["--no-warmup"]
    )
    let driver = SparkDriver(configuration: Self.configuration, logger: Logger(label: "test") { _ in SwiftLogNoOpLogHandler() })
    let artifacts: ArtifactStore

    init() throws {
        artifacts = try ArtifactStore(root: FileManager.default.temporaryDirectory.appendingPathComponent("sluice-spark-\(UUID())"))
    }

    /// The seed sample after normalization: mean 15.5, population std 4.00333.
    static let normalized = RecordColumns(
        ids: [1, 2, 3], values: [10.5, 20.3, 15.7], categoryCodes: [0, 1, 0], categoryNames: ["A", "B"],
        z: [-1.2489596336108508, 1.199001248266417, 0.04995838534443386]
    )

    func run(_ input: RecordColumns?, jobID: UUID = UUID(), config: String = "{}") async throws -> (StageResult, UUID) {
        if let input { try RecordParquet.write(input, to: artifacts.url(jobID, ArtifactName.normalized)) }
        let message = StageMessage(jobID: jobID, stage: .spark, traceID: "t", submittedAt: Date())
        let job = StageJob(message: message, config: .init(rawJSON: config), artifacts: artifacts, logger: Logger(label: "test"))
        return (try await SparkStage(driver: driver, master: "local[1]", batchMaxBytes: 1 << 20, pipelines: .concurrent).run(job), jobID)
    }

    @Test func aggregatesPerCategoryWithBothPipelinesAndSurvivesTheDriverDying() async throws {
        defer { driver.stop() }
        let (result, jobID) = try await withTimeout(.seconds(180), waitingFor: "the first Spark job") { try await run(Self.normalized) }
        #expect(result.outcome.recordsOut == 3)
        #expect(result.outcome.device == "spark:local[1]")
        let names = Set(result.outcome.metrics.map(\.name))
        #expect(names.isSuperset(of: ["dataframe_seconds", "rdd_seconds", "rdd_vs_dataframe_speedup"]))
        #expect(!names.contains("batch_jobs"), "a job that found no company ran alone")

        let aggregates = try JSONSerialization.jsonObject(with: try artifacts.read(jobID, ArtifactName.aggregates)) as? [String: Any]
        let categories = aggregates?["categories"] as? [[String: Any]] ?? []
        #expect(categories.map { $0["category"] as? String } == ["A", "B"])
        #expect(categories.map { $0["count"] as? Int } == [2, 1])
        let meanA = categories.first?["mean"] as? Double ?? .nan
        #expect(abs(meanA - (-1.2489596336108508 + 0.04995838534443386) / 2) < 1e-12)
        #expect((aggregates?["comparison"] as? [String: Any])?["agree"] as? Bool == true)

        // The driver dies (OOM killer, a crash): the job in hand may fail as a driver
        // crash, which the runner retries; the next attempt gets a fresh driver.
        let first = try #require(driver.processIdentifier)
        kill(first, SIGKILL)
        let retried = try await withTimeout(.seconds(180), waitingFor: "a restarted driver") {
            var attempts = 0
            while true {
                do { return try await run(Self.normalized).0 } catch let error as StageError where error.cause == .sparkDriverCrash {
                    attempts += 1
                    guard attempts < 3 else { throw error }
                }
            }
        }
        #expect(retried.outcome.recordsOut == 3)
        #expect(driver.processIdentifier != first)
    }

    /// A missing or damaged `normalized.parquet` fails the job as invalid data; a damaged
    /// one is set aside, and either way a retry starts at normalize, which writes it.
    @Test func compareFalseRunsOnlyTheDataFrameAndAMissingOrDamagedInputSendsTheRetryToNormalize() async throws {
        defer { driver.stop() }
        let (result, _) = try await withTimeout(.seconds(180), waitingFor: "a Spark job") {
            try await run(Self.normalized, config: #"{"compare_pipelines": false}"#)
        }
        #expect(!result.outcome.metrics.contains { $0.name == "rdd_seconds" })
        // Each job's validated.parquet is in place, so the retries go back one stage only.
        let (missingJob, damagedJob) = (UUID(), UUID())
        for job in [missingJob, damagedJob] { try RecordParquet.write(Self.normalized, to: artifacts.url(job, ArtifactName.validated)) }
        let missing = await #expect(throws: StageError.self) { try await run(nil, jobID: missingJob) }
        #expect(missing?.cause == .invalidData)
        #expect(missing?.message.hasSuffix("; a retry runs normalize again to write it") == true, "\(missing?.message ?? "")")
        #expect(artifacts.retryStart(failedAt: .spark, jobID: missingJob) == .normalize)

        let input = artifacts.url(damagedJob, ArtifactName.normalized)
        try RecordParquet.write(Self.normalized, to: input)
        let part = input.appendingPathComponent(RecordParquet.partName(0))
        let bytes = try Data(contentsOf: part)
        try bytes.prefix(bytes.count - 12).write(to: part)
        let damaged = await #expect(throws: StageError.self) { try await run(nil, jobID: damagedJob) }
        #expect(damaged?.cause == .invalidData)
        let message = damaged?.message ?? ""
        #expect(message.contains("part-00000.parquet: not a readable Parquet file"), "\(message)")
        #expect(message.hasSuffix("; set aside as normalized.parquet.damaged, and a retry runs normalize again to write it anew"), "\(message)")
        #expect(!FileManager.default.fileExists(atPath: input.path))
        #expect(FileManager.default.fileExists(atPath: input.path + ArtifactName.damagedSuffix))
        #expect(artifacts.retryStart(failedAt: .spark, jobID: damagedJob) == .normalize)
        // With neither artifact in the job's folder, the retry starts at the beginning.
        let bare = UUID()
        try artifacts.write(Data("{}".utf8), bare, "input.json")
        #expect(artifacts.retryStart(failedAt: .spark, jobID: bare) == .validate)
        // Without the folder (the shared storage not mounted where the retry is asked), nothing
        // is known to be missing: the failed stage.
        #expect(artifacts.retryStart(failedAt: .spark, jobID: UUID()) == .spark)
    }

    @Test func aDriverKilledMidJobFailsTheAttemptAsACrashAndTheNextAttemptCompletesTheJob() async throws {
        defer { driver.stop() }
        // The job's input part is a pipe nobody writes yet: the driver, opening it, is held mid-job for as long as the test needs.
        let jobID = UUID()
        let input = artifacts.url(jobID, ArtifactName.normalized)
        try FileManager.default.createDirectory(at: input, withIntermediateDirectories: true)
        try #require(mkfifo(input.appendingPathComponent(RecordParquet.partName(0)).path, 0o600) == 0)
        let attempt = Task { try await run(nil, jobID: jobID) }
        try await withTimeout(.seconds(180), waitingFor: "the job to reach the driver") {
            while driver.requestsInFlight == 0 { try await Task.sleep(for: .milliseconds(10)) }
        }
        kill(try #require(driver.processIdentifier), SIGKILL)
        let error = await #expect(throws: StageError.self) { try await attempt.value }
        #expect(error?.cause == .sparkDriverCrash, "a transient cause: the runner retries it")

        // The retry: a new driver, the input now there.
        try FileManager.default.removeItem(at: input)
        let (result, _) = try await withTimeout(.seconds(180), waitingFor: "the retried job") { try await run(Self.normalized, jobID: jobID) }
        #expect(result.outcome.recordsOut == 3)
        let aggregates = try JSONSerialization.jsonObject(with: try artifacts.read(jobID, ArtifactName.aggregates)) as? [String: Any]
        #expect((aggregates?["categories"] as? [[String: Any]])?.map { $0["count"] as? Int } == [2, 1])
    }
}
