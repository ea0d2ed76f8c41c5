import Foundation

/// The job summary: stored in `job_results.summary`, written as `summary.json`, and
/// sent to the submitter's `reply_to` queue. Keys are snake_case; `processing_time`
/// and `records_processed` are the seed API's names.
struct JobSummary: Codable, Sendable {
    struct Records: Codable, Sendable {
        let received: Int
        let valid: Int
        let invalid: Int
        let duplicates: Int
    }

    struct Statistics: Codable, Sendable {
        let mean: Double?
        let std: Double?
        let min: Double?
        let max: Double?
        let constantValues: Bool
        enum CodingKeys: String, CodingKey { case mean, std, min, max, constantValues = "constant_values" }
    }

    struct StageTiming: Codable, Sendable {
        let stage: String
        let device: String?
        let queueWaitSeconds: Double
        let serviceSeconds: Double?
        enum CodingKeys: String, CodingKey {
            case stage, device
            case queueWaitSeconds = "queue_wait_seconds"
            case serviceSeconds = "service_seconds"
        }
    }

    struct Pipelines: Codable, Sendable {
        let dataframeSeconds: Double
        let rddSeconds: Double?
        let speedup: Double?
        let winner: String
        let agree: Bool?
        /// Jobs in the shared Spark jobs this one ran in; nil when it ran alone.
        let batchedJobs: Int?
        /// Whether the two pipelines ran at once (their seconds overlap); nil when only one ran.
        let concurrent: Bool?
        enum CodingKeys: String, CodingKey {
            case dataframeSeconds = "dataframe_seconds", rddSeconds = "rdd_seconds", speedup, winner, agree
            case batchedJobs = "batched_jobs", concurrent
        }
    }

    struct Cost: Codable, Sendable {
        let computeSeconds: Double
        let usd: Double
        let usdPerRecord: Double
        let prices: PriceTable
        enum CodingKeys: String, CodingKey { case computeSeconds = "compute_seconds", usd, usdPerRecord = "usd_per_record", prices }
    }

    let jobID: String
    let status: String
    let source: String
    let processingTime: Double
    let recordsProcessed: Int
    let throughputRecordsPerSecond: Double
    let records: Records
    let device: String?
    let statistics: Statistics
    let categories: [[String: JSONNumberOrString]]
    let stages: [StageTiming]
    let pipelines: Pipelines?
    let cost: Cost

    enum CodingKeys: String, CodingKey {
        case jobID = "job_id", status, source
        case processingTime = "processing_time"
        case recordsProcessed = "records_processed"
        case throughputRecordsPerSecond = "throughput_records_per_second"
        case records, device, statistics, categories, stages, pipelines, cost
    }
}

/// A per-category aggregate field as the Spark driver reports it: a number or the category name.
enum JSONNumberOrString: Codable, Sendable, Equatable {
    case number(Double)
    case string(String)

    init(from decoder: Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let number = try? container.decode(Double.self) { self = .number(number) } else { self = .string(try container.decode(String.self)) }
    }

    func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .number(let number): try container.encode(number)
        case .string(let string): try container.encode(string)
        }
    }
}
