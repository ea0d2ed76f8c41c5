/// A figure a stage records for a job in `job_metrics` (its `name` and `unit` columns),
/// declared once here for the stage that writes it and everything that reads it (the
/// analyzer, the reports, users' SQL).
public struct JobMetric: Sendable, Hashable {
    /// The `job_metrics.name`.
    public let name: String
    /// The `job_metrics.unit`.
    public let unit: String

    public init(_ name: String, unit: String) {
        self.name = name
        self.unit = unit
    }

    // The validate stage's.
    public static let recordsTotal = JobMetric("records_total", unit: "records")
    public static let recordsValid = JobMetric("records_valid", unit: "records")
    public static let recordsInvalid = JobMetric("records_invalid", unit: "records")
    public static let duplicateIDs = JobMetric("duplicate_ids", unit: "records")
    public static let validateSeconds = JobMetric("validate_seconds", unit: "seconds")
    /// 1 when the records were checked where the job came in (the gateway, or the intake of scripts' messages).
    public static let checkedAtIntake = JobMetric("checked_at_intake", unit: "flag")
    /// Invalid records for one reason (`invalid_<reason>`).
    public static func invalid(_ reason: String) -> JobMetric { JobMetric("invalid_\(reason)", unit: "records") }

    // The normalize stage's.
    public static let mean = JobMetric("mean", unit: "value")
    public static let std = JobMetric("std", unit: "value")
    public static let min = JobMetric("min", unit: "value")
    public static let max = JobMetric("max", unit: "value")
    /// 1 when every value is the same: every z (or min-max) value was set to 0.
    public static let constantValues = JobMetric("constant_values", unit: "flag")
    public static let normalizeSeconds = JobMetric("normalize_seconds", unit: "seconds")
    public static let readSeconds = JobMetric("read_seconds", unit: "seconds")
    public static let writeSeconds = JobMetric("write_seconds", unit: "seconds")
    public static let recordsPerSecond = JobMetric("records_per_second", unit: "records_per_second")
    /// 1 when the GPU failed (gpu_error) and the CPU normalized the job instead.
    public static let gpuFallback = JobMetric("gpu_fallback", unit: "flag")
    public static let categories = JobMetric("categories", unit: "categories")
    public static let constantCategories = JobMetric("constant_categories", unit: "categories")

    // The spark stage's.
    public static let dataframeSeconds = JobMetric("dataframe_seconds", unit: "seconds")
    public static let dataframeRecordsPerSecond = JobMetric("dataframe_records_per_second", unit: "records_per_second")
    public static let rddSeconds = JobMetric("rdd_seconds", unit: "seconds")
    public static let rddRecordsPerSecond = JobMetric("rdd_records_per_second", unit: "records_per_second")
    public static let rddVersusDataframeSpeedup = JobMetric("rdd_vs_dataframe_speedup", unit: "ratio")
    public static let rddDataframeMaxAbsDifference = JobMetric("rdd_dataframe_max_abs_difference", unit: "value")
    public static let batchJobs = JobMetric("batch_jobs", unit: "jobs")
    public static let batchRecords = JobMetric("batch_records", unit: "records")

    // The whole job's (stage `job`), recorded by the analyzer.
    public static let processingTime = JobMetric("processing_time", unit: "seconds")
    public static let throughput = JobMetric("throughput", unit: "records_per_second")
    public static let cost = JobMetric("cost", unit: "usd")
    public static let costPerRecord = JobMetric("cost_per_record", unit: "usd")
}
