import Hummingbird
import Prometheus
import SluiceContracts
import SluiceObservability
import SluicePostgres

/// `GET /metrics`: the gateway's metrics for Prometheus: its HTTP requests
/// (``HTTPMetricsMiddleware``) and `sluice_jobs{status}`, the number of jobs in each status,
/// read from `jobs` at each scrape so that it is the figure SQL gives. Open like the
/// probes: it holds counts, no job data.
struct MetricsRoutes: Sendable {
    let pool: PostgresPool
    /// Where `main` bootstrapped swift-metrics to, and where the job gauges go.
    var registry = PrometheusMetricsFactory.defaultRegistry

    func register(on router: Router<some RequestContext>) {
        router.get("metrics") { _, _ in try await self.scrape() }
    }

    func scrape() async throws -> Response {
        let counts = try await pool.withConnection { db in
            try db.query("SELECT status, count(*) AS n FROM jobs GROUP BY status").map {
                (try $0.decode("status", as: String.self), try $0.decode("n", as: Int.self))
            }
        }
        let byStatus = Dictionary(counts, uniquingKeysWith: +)
        let jobs = MetricNameDescriptor(metricName: "sluice_jobs", unitName: "", helpText: "Jobs in each status (from the jobs table)")
        for status in JobStatus.allCases {
            registry.makeGauge(descriptor: jobs, labels: [("status", status.rawValue)])
                .set(Double(byStatus[status.rawValue] ?? 0))
        }
        return registry.response()
    }
}
