import Foundation
import SluiceCore

/// What `sluice bench` measured: jobs per second over the run and the end-to-end
/// latency of each job, from the submission to its `end` event.
struct BenchResult: Encodable {
    let jobs: Int
    let completed: Int
    let failed: Int
    let clients: Int
    let recordsPerJob: Int
    let wallSeconds: Double
    let jobsPerSecond: Double
    let latencyP50Seconds: Double
    let latencyP95Seconds: Double
    let latencyMaxSeconds: Double
    /// Submissions repeated (same idempotency key) and event streams followed again because a gateway went away or was busy.
    let retries: Int

    enum CodingKeys: String, CodingKey {
        case jobs, completed, failed, clients, recordsPerJob = "records_per_job", wallSeconds = "wall_seconds"
        case jobsPerSecond = "jobs_per_second", latencyP50Seconds = "latency_p50_seconds"
        case latencyP95Seconds = "latency_p95_seconds", latencyMaxSeconds = "latency_max_seconds", retries
    }

    init(_ outcomes: [Sluice.Bench.Outcome], wall: Duration, clients: Int, records: Int) {
        let latencies = outcomes.map(\.latency.seconds).sorted()
        jobs = outcomes.count
        completed = outcomes.filter(\.completed).count
        failed = jobs - completed
        self.clients = clients
        recordsPerJob = records
        wallSeconds = wall.seconds
        jobsPerSecond = Double(jobs) / max(wallSeconds, 1e-9)
        latencyP50Seconds = Self.percentile(latencies, 0.50)
        latencyP95Seconds = Self.percentile(latencies, 0.95)
        latencyMaxSeconds = latencies.last ?? 0
        retries = outcomes.map(\.retries).reduce(0, +)
    }

    var text: String {
        """
        \(jobs) jobs of \(recordsPerJob) records from \(clients) clients in \(String(format: "%.2f", wallSeconds)) s: \(completed) completed, \(failed) failed\(retries > 0 ? " (\(retries) retries)" : "")
        throughput: \(String(format: "%.1f", jobsPerSecond)) jobs/s
        latency (accepted to ended): p50 \(String(format: "%.3f", latencyP50Seconds)) s, p95 \(String(format: "%.3f", latencyP95Seconds)) s, max \(String(format: "%.3f", latencyMaxSeconds)) s
        """
    }

    /// The nearest-rank percentile of sorted values; 0 for none.
    static func percentile(_ sorted: [Double], _ fraction: Double) -> Double {
        guard !sorted.isEmpty else { return 0 }
        let rank = Int((fraction * Double(sorted.count)).rounded(.up))
        return sorted[min(max(rank, 1), sorted.count) - 1]
    }
}
