import Foundation

/// The job summary, written by the analyzer: stored in `job_results.summary`, written as
/// ``ArtifactName/summary``, sent to the submitter's `reply_to` queue, answered by
/// `GET /api/v1/jobs/{id}/results` and `POST /process`, and printed by `sluice`. Keys are
/// snake_case; `processing_time` and `records_processed` are the seed API's names.
public struct JobSummary: Codable, Sendable, Equatable {
    /// The input's record counts, from the validate stage.
    public struct Records: Codable, Sendable, Equatable {
        public let received: Int
        public let valid: Int
        public let invalid: Int
        public let duplicates: Int

        public init(received: Int, valid: Int, invalid: Int, duplicates: Int) {
            self.received = received
            self.valid = valid
            self.invalid = invalid
            self.duplicates = duplicates
        }
    }

    /// The values' statistics, from the normalize stage (nil when not recorded).
    public struct Statistics: Codable, Sendable, Equatable {
        public let mean: Double?
        public let std: Double?
        public let min: Double?
        public let max: Double?
        /// Every value the same: every z (or min-max) value was set to 0.
        public let constantValues: Bool
        enum CodingKeys: String, CodingKey { case mean, std, min, max, constantValues = "constant_values" }

        public init(mean: Double?, std: Double?, min: Double?, max: Double?, constantValues: Bool) {
            self.mean = mean
            self.std = std
            self.min = min
            self.max = max
            self.constantValues = constantValues
        }
    }

    /// One stage's succeeded attempt: where it ran, how long it waited and worked.
    public struct StageTiming: Codable, Sendable, Equatable {
        public let stage: String
        public let device: String?
        public let queueWaitSeconds: Double
        public let serviceSeconds: Double?
        enum CodingKeys: String, CodingKey {
            case stage, device
            case queueWaitSeconds = "queue_wait_seconds"
            case serviceSeconds = "service_seconds"
        }

        public init(stage: String, device: String?, queueWaitSeconds: Double, serviceSeconds: Double?) {
            self.stage = stage
            self.device = device
            self.queueWaitSeconds = queueWaitSeconds
            self.serviceSeconds = serviceSeconds
        }
    }

    /// The two Spark pipelines compared.
    public struct Pipelines: Codable, Sendable, Equatable {
        public let dataframeSeconds: Double
        public let rddSeconds: Double?
        public let speedup: Double?
        /// `rdd` or `dataframe`.
        public let winner: String
        public let agree: Bool?
        /// Jobs in the shared Spark jobs this one ran in; nil when it ran alone.
        public let batchedJobs: Int?
        /// Whether the two pipelines ran at once (their seconds overlap); nil when only one ran.
        public let concurrent: Bool?
        enum CodingKeys: String, CodingKey {
            case dataframeSeconds = "dataframe_seconds", rddSeconds = "rdd_seconds", speedup, winner, agree
            case batchedJobs = "batched_jobs", concurrent
        }

        public init(dataframeSeconds: Double, rddSeconds: Double?, speedup: Double?, winner: String, agree: Bool?, batchedJobs: Int?, concurrent: Bool?) {
            self.dataframeSeconds = dataframeSeconds
            self.rddSeconds = rddSeconds
            self.speedup = speedup
            self.winner = winner
            self.agree = agree
            self.batchedJobs = batchedJobs
            self.concurrent = concurrent
        }
    }

    /// What a second of compute cost, as the estimate used it.
    public struct Prices: Codable, Sendable, Equatable {
        public let cpuSecond: Double
        public let gpuSecond: Double
        enum CodingKeys: String, CodingKey { case cpuSecond = "cpu_second_usd", gpuSecond = "gpu_second_usd" }

        public init(cpuSecond: Double, gpuSecond: Double) {
            self.cpuSecond = cpuSecond
            self.gpuSecond = gpuSecond
        }
    }

    /// The cost estimate: compute seconds × price.
    public struct Cost: Codable, Sendable, Equatable {
        public let computeSeconds: Double
        public let usd: Double
        public let usdPerRecord: Double
        public let prices: Prices
        enum CodingKeys: String, CodingKey { case computeSeconds = "compute_seconds", usd, usdPerRecord = "usd_per_record", prices }

        public init(computeSeconds: Double, usd: Double, usdPerRecord: Double, prices: Prices) {
            self.computeSeconds = computeSeconds
            self.usd = usd
            self.usdPerRecord = usdPerRecord
            self.prices = prices
        }
    }

    public let jobID: String
    public let status: String
    public let source: String
    public let processingTime: Double
    public let recordsProcessed: Int
    public let throughputRecordsPerSecond: Double
    public let records: Records
    public let device: String?
    public let statistics: Statistics
    public let categories: [CategoryAggregate]
    public let stages: [StageTiming]
    public let pipelines: Pipelines?
    public let cost: Cost

    enum CodingKeys: String, CodingKey {
        case jobID = "job_id", status, source
        case processingTime = "processing_time"
        case recordsProcessed = "records_processed"
        case throughputRecordsPerSecond = "throughput_records_per_second"
        case records, device, statistics, categories, stages, pipelines, cost
    }

    public init(
        jobID: String, status: String, source: String, processingTime: Double, recordsProcessed: Int, throughputRecordsPerSecond: Double,
        records: Records, device: String?, statistics: Statistics, categories: [CategoryAggregate], stages: [StageTiming],
        pipelines: Pipelines?, cost: Cost
    ) {
        self.jobID = jobID
        self.status = status
        self.source = source
        self.processingTime = processingTime
        self.recordsProcessed = recordsProcessed
        self.throughputRecordsPerSecond = throughputRecordsPerSecond
        self.records = records
        self.device = device
        self.statistics = statistics
        self.categories = categories
        self.stages = stages
        self.pipelines = pipelines
        self.cost = cost
    }
}
