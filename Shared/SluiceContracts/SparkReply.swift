/// One line the Spark driver writes on its stdout (the protocol is documented at the top
/// of `Services/spark-runner/driver/sluice_spark_driver.py`): the `ready` event, or the
/// answer to a request. A successful answer is stored as the job's
/// ``ArtifactName/aggregates`` and read by the analyzer.
public struct SparkReply: Codable, Sendable, Equatable {
    /// One pipeline's wall clock and rate.
    public struct Timing: Codable, Sendable, Equatable {
        public let seconds: Double
        public let throughputRecordsPerSecond: Double
        enum CodingKeys: String, CodingKey { case seconds, throughputRecordsPerSecond = "throughput_records_per_second" }
    }

    /// How the RDD pipeline's aggregates compare with the DataFrame's.
    public struct Comparison: Codable, Sendable, Equatable {
        public let agree: Bool
        public let maxAbsDifference: Double?
        enum CodingKeys: String, CodingKey { case agree, maxAbsDifference = "max_abs_difference" }
    }

    /// Present when the request ran batched: how many jobs and records the Spark job had.
    public struct Batch: Codable, Sendable, Equatable {
        public let jobs: Int
        public let records: Int
    }

    /// Why a request failed: `kind` is the driver's error code (`input_missing`,
    /// `input_invalid`, `pipelines_disagree`, `spark_error`, …).
    public struct Failure: Codable, Sendable, Equatable {
        public let kind: String
        public let message: String

        public init(kind: String, message: String) {
            self.kind = kind
            self.message = message
        }
    }

    /// `ready` for the line that says the driver serves; nil for an answer.
    public let event: String?
    public let requestID: String?
    public let ok: Bool?
    public let records: Int?
    /// The DataFrame pipeline's per-category aggregates, sorted by category.
    public let categories: [CategoryAggregate]?
    public let dataframe: Timing?
    /// Present when the pipelines were compared, as are `comparison` and `speedup`.
    public let rdd: Timing?
    public let comparison: Comparison?
    /// RDD seconds / DataFrame seconds.
    public let speedup: Double?
    /// Whether the two pipelines ran at once (their seconds overlap).
    public let pipelinesConcurrent: Bool?
    public let error: Failure?
    public let batch: Batch?
    /// On the `ready` line.
    public let sparkVersion: String?

    enum CodingKeys: String, CodingKey {
        case event, ok, records, categories, dataframe, rdd, comparison, speedup, error, batch
        case requestID = "request_id"
        case pipelinesConcurrent = "pipelines_concurrent"
        case sparkVersion = "spark_version"
    }
}

/// One category's aggregates over the job's z values, as the Spark driver computes them
/// and the job summary reports them (`std` is the population standard deviation; an
/// outlier has |z| above the request's threshold).
public struct CategoryAggregate: Codable, Sendable, Equatable {
    public let category: String
    public let count: Int
    public let sum: Double
    public let mean: Double
    public let std: Double
    public let min: Double
    public let max: Double
    public let outliers: Int
}
