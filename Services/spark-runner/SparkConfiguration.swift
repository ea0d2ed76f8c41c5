import Foundation
import SluiceCore
import SluiceJobs

/// How the spark-runner starts its PySpark driver, and when it replaces it.
///
/// Keys: `SLUICE_SPARK_MASTER` (default `local[*]`; `spark://…`, `k8s://…` or `yarn`
/// for a cluster), `SLUICE_SPARK_PYTHON` (default `.sluice/venv/bin/python`),
/// `SLUICE_SPARK_DRIVER` (default `Services/spark-runner/driver/sluice_spark_driver.py`),
/// `SLUICE_SPARK_EXECUTOR_MEMORY` and `SLUICE_SPARK_EXECUTOR_CORES` (a cluster's executors:
/// `spark.executor.memory`, `spark.executor.cores`), `SLUICE_SPARK_CONF` (extra Spark
/// settings, `key=value` separated by spaces; they win over the two before),
/// `SLUICE_SPARK_MODE` (`warm`, the default: one long-lived session; `cold`: a driver,
/// and so a `spark-submit`, per job, for isolation or comparison; no batching),
/// `SLUICE_SPARK_MAX_JOBS` (default 0 = never: replace the warm driver after this many
/// jobs), `SLUICE_SPARK_MAX_MINUTES` (default 0 = never: replace it once it is this many
/// minutes old and has served a job, fractions allowed). A replacement happens between jobs: the old driver
/// finishes the jobs it holds, then a new one starts.
///
/// Batching: `SLUICE_SPARK_BATCH_SIZE` (default 64; 1 turns batching off) small jobs
/// that wait together run as one Spark job; a job is small when its input is at most
/// `SLUICE_SPARK_BATCH_MAX_BYTES` (default 1 MiB); an idle driver waits up to
/// `SLUICE_SPARK_BATCH_LINGER_MS` (default 5) for a first small job's company.
/// `SLUICE_SPARK_CONCURRENCY` (default 2; 1 in cold mode): request lines (a batch is one)
/// the warm driver works on at once, each a Spark job of its own.
///
/// `SLUICE_SPARK_PIPELINES` (`concurrent`, the default, or `sequential`): whether a job's
/// RDD pipeline runs at the same time as its DataFrame pipeline (faster; each one's
/// seconds then overlap the other's) or after it (an undisturbed timing comparison).
struct SparkConfiguration: Sendable {
    /// How a job's two Spark pipelines share the session.
    enum Pipelines: String, Sendable {
        case concurrent, sequential
    }

    var master: String
    var python: String
    var driverScript: String
    var extraArguments: [String]
    /// Jobs a driver serves before it is replaced; nil: no limit.
    var maxJobs: Int?
    /// How old a driver may grow before it is replaced; nil: no limit.
    var maxAge: Duration?
    /// Most jobs sent to the driver as one batch; 1: every job alone.
    var batchSize: Int = 64
    /// Largest input a job may have to be batched, in bytes.
    var batchMaxBytes: Int = 1 << 20
    /// How long an idle driver waits for more small jobs to batch with the first.
    var batchLinger: Duration = .milliseconds(5)
    /// Request lines (a batch is one) the driver works on at once.
    var concurrency = 2
    /// A driver per job, started for it (`SLUICE_SPARK_MODE=cold`).
    var cold = false
    /// Whether the RDD pipeline runs beside the DataFrame pipeline or after it.
    var pipelines = Pipelines.concurrent

    init(master: String, python: String, driverScript: String, extraArguments: [String], maxJobs: Int? = nil, maxAge: Duration? = nil) {
        self.master = master
        self.python = python
        self.driverScript = driverScript
        self.extraArguments = extraArguments
        self.maxJobs = maxJobs
        self.maxAge = maxAge
    }

    /// Reads the keys listed on the type; a malformed value is an error naming its key.
    init(environment: [String: String] = ProcessInfo.processInfo.environment) throws {
        let settings = EnvironmentSettings(environment)
        master = settings.string("SLUICE_SPARK_MASTER", default: "local[*]")
        python = settings.string("SLUICE_SPARK_PYTHON", default: ".sluice/venv/bin/python")
        driverScript = settings.string("SLUICE_SPARK_DRIVER", default: "Services/spark-runner/driver/sluice_spark_driver.py")
        var conf: [String] = []
        if let memory = environment["SLUICE_SPARK_EXECUTOR_MEMORY"] { conf.append("spark.executor.memory=\(memory)") }
        if environment["SLUICE_SPARK_EXECUTOR_CORES"] != nil {
            conf.append("spark.executor.cores=\(try settings.integer("SLUICE_SPARK_EXECUTOR_CORES", default: 1, in: 1...1024))")
        }
        conf += settings.string("SLUICE_SPARK_CONF", default: "").split(separator: " ").map(String.init)
        extraArguments = conf.flatMap { ["--conf", $0] }
        let jobs = try settings.integer("SLUICE_SPARK_MAX_JOBS", default: 0, in: 0...Int(Int32.max))
        maxJobs = jobs == 0 ? nil : jobs
        let minutes = try settings.number("SLUICE_SPARK_MAX_MINUTES", default: 0, in: 0...525_600)
        maxAge = minutes == 0 ? nil : .seconds(minutes * 60)
        batchSize = try settings.integer("SLUICE_SPARK_BATCH_SIZE", default: 64, in: 1...4096)
        batchMaxBytes = try settings.integer("SLUICE_SPARK_BATCH_MAX_BYTES", default: 1 << 20, in: 0...Int(Int32.max))
        batchLinger = .milliseconds(try settings.integer("SLUICE_SPARK_BATCH_LINGER_MS", default: 5, in: 0...10_000))
        concurrency = try settings.integer("SLUICE_SPARK_CONCURRENCY", default: 2, in: 1...32)
        let pipelinesText = settings.string("SLUICE_SPARK_PIPELINES", default: "concurrent")
        guard let pipelines = Pipelines(rawValue: pipelinesText) else {
            throw ConfigurationError(key: "SLUICE_SPARK_PIPELINES", value: pipelinesText, expected: "concurrent or sequential")
        }
        self.pipelines = pipelines
        switch settings.string("SLUICE_SPARK_MODE", default: "warm") {
        case "warm": break
        case "cold":
            cold = true
            maxJobs = 1
            batchSize = 1
            concurrency = 1
            extraArguments.append("--no-warmup")
        case let other:
            throw ConfigurationError(key: "SLUICE_SPARK_MODE", value: other, expected: "warm or cold")
        }
    }
}
