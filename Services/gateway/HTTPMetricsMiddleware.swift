import Hummingbird
import Prometheus
import SluiceObservability

/// Counts the gateway's HTTP requests in the Prometheus registry that `/metrics` serves,
/// each metric with its `# HELP` line and bounded labels:
///
/// | metric | kind | labels |
/// |---|---|---|
/// | `sluice_http_requests_total` | counter | `method`, `route` (the matched route's pattern, `unmatched` for none), `status` |
/// | `sluice_http_request_duration_seconds` | histogram | `method`, `route`: until the response is ready to send (an event stream's, its head) |
/// | `sluice_http_requests_in_flight` | gauge | requests begun and not yet answered |
struct HTTPMetricsMiddleware: RouterMiddleware {
    typealias Context = GatewayRequestContext

    /// The methods counted by name; any other is counted as `other`.
    static let knownMethods: Set<HTTPRequest.Method> = [.get, .head, .post, .put, .patch, .delete, .options]

    /// The duration histogram's buckets: 1 ms to 2 min (`POST /process` waits up to its `wait`).
    static let buckets: [Duration] = [
        .milliseconds(1), .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100),
        .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(2.5), .seconds(5), .seconds(10), .seconds(30), .seconds(120),
    ]

    let registry: PrometheusCollectorRegistry
    private let inFlight: Gauge

    init(registry: PrometheusCollectorRegistry = PrometheusMetricsFactory.defaultRegistry) {
        self.registry = registry
        inFlight = registry.makeGauge(descriptor: .sluice("sluice_http_requests_in_flight", help: "HTTP requests begun and not yet answered"))
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let started = ContinuousClock.now
        let method = Self.knownMethods.contains(request.method) ? request.method.rawValue : "other"
        inFlight.increment()
        do {
            let response = try await next(request, context)
            record(method: method, route: context.endpointPath, status: response.status.code, since: started)
            return response
        } catch {
            record(method: method, route: context.endpointPath, status: (error as? any HTTPResponseError)?.status.code ?? 500, since: started)
            throw error
        }
    }

    private func record(method: String, route: String?, status: Int, since started: ContinuousClock.Instant) {
        inFlight.decrement()
        let route = route ?? "unmatched"
        registry.makeCounter(descriptor: .sluice("sluice_http_requests_total", help: "HTTP requests answered, by method, route and status"), labels: [("method", method), ("route", route), ("status", String(status))]).increment()
        registry.makeDurationHistogram(descriptor: .sluice("sluice_http_request_duration_seconds", help: "HTTP request durations, until the response was ready to send"), labels: [("method", method), ("route", route)], buckets: Self.buckets).record(ContinuousClock.now - started)
    }
}
