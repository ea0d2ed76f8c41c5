/// The names of a job's artifacts in its folder on shared storage (`<root>/<job id>/<name>`):
/// each written by one stage and read by the next, and the Parquet ones by users too.
public enum ArtifactName {
    /// The submission as received, in its format (`json`, `ndjson` or `csv`).
    public static func input(_ format: String) -> String { "input.\(format)" }
    /// The validator's quality counts.
    public static let validation = "validation.json"
    /// The checked records, as Parquet parts, for the normalizer.
    public static let validated = "validated.parquet"
    /// The records with their z-scores, as Parquet parts, for Spark and for users.
    public static let normalized = "normalized.parquet"
    /// The Spark driver's reply (``SparkReply``), for the analyzer.
    public static let aggregates = "aggregates.json"
    /// The job summary (``JobSummary``).
    public static let summary = "summary.json"
    /// Appended to an artifact that a stage could not read and set aside.
    public static let damagedSuffix = ".damaged"
}
