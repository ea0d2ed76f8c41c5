import Foundation

/// How the spark-runner starts its PySpark driver.
///
/// Keys: `SLUICE_SPARK_MASTER` (default `local[*]`; `spark://…`, `k8s://…` or `yarn`
/// for a cluster), `SLUICE_SPARK_PYTHON` (default `.sluice/venv/bin/python`),
/// `SLUICE_SPARK_DRIVER` (default `Services/spark-runner/driver/sluice_spark_driver.py`),
/// `SLUICE_SPARK_CONF` (extra Spark settings, `key=value` separated by spaces).
struct SparkConfiguration: Sendable {
    var master: String
    var python: String
    var driverScript: String
    var extraArguments: [String]

    init(master: String, python: String, driverScript: String, extraArguments: [String]) {
        self.master = master
        self.python = python
        self.driverScript = driverScript
        self.extraArguments = extraArguments
    }

    /// Reads the keys listed on the type.
    init(environment: [String: String] = ProcessInfo.processInfo.environment) {
        master = environment["SLUICE_SPARK_MASTER"] ?? "local[*]"
        python = environment["SLUICE_SPARK_PYTHON"] ?? ".sluice/venv/bin/python"
        driverScript = environment["SLUICE_SPARK_DRIVER"] ?? "Services/spark-runner/driver/sluice_spark_driver.py"
        extraArguments = (environment["SLUICE_SPARK_CONF"] ?? "").split(separator: " ").flatMap { ["--conf", String($0)] }
    }
}
