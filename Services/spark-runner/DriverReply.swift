/// One line the PySpark driver writes (the protocol is documented at the top of
/// `driver/sluice_spark_driver.py`).
struct DriverReply: Decodable, Sendable {
    struct Timing: Decodable, Sendable {
        let seconds: Double
        let throughputRecordsPerSecond: Double
        enum CodingKeys: String, CodingKey { case seconds, throughputRecordsPerSecond = "throughput_records_per_second" }
    }

    struct Comparison: Decodable, Sendable {
        let agree: Bool
        let maxAbsDifference: Double?
        enum CodingKeys: String, CodingKey { case agree, maxAbsDifference = "max_abs_difference" }
    }

    /// Present when the request ran batched: how many jobs and records the Spark job had.
    struct Batch: Decodable, Sendable {
        let jobs: Int
        let records: Int
    }

    struct Failure: Decodable, Sendable {
        let kind: String
        let message: String
    }

    let event: String?
    let requestID: String?
    let ok: Bool?
    let records: Int?
    let dataframe: Timing?
    let rdd: Timing?
    let comparison: Comparison?
    let speedup: Double?
    let error: Failure?
    let batch: Batch?
    let sparkVersion: String?

    enum CodingKeys: String, CodingKey {
        case event, ok, records, dataframe, rdd, comparison, speedup, error, batch
        case requestID = "request_id"
        case sparkVersion = "spark_version"
    }
}
