import Prometheus
import SluiceCore

/// The ``ConnectionObserver`` of a service: database and broker connection health as
/// Prometheus series, `sluice_connections_open{peer}`,
/// `sluice_connection_attempts_total{peer, outcome}`, `sluice_connections_lost_total{peer}`,
/// and the database pool's `sluice_db_pool_in_use`, `sluice_db_pool_waiting` and
/// `sluice_db_pool_wait_seconds`.
public struct ConnectionMetrics: ConnectionObserver {
    private let open: [ConnectionPeer: Gauge]
    private let opened: [ConnectionPeer: Counter]
    private let failed: [ConnectionPeer: Counter]
    private let lost: [ConnectionPeer: Counter]
    private let poolInUse: Gauge
    private let poolWaiting: Gauge
    private let poolWait: DurationHistogram

    public init(registry: PrometheusCollectorRegistry) {
        func byPeer<M>(_ make: (ConnectionPeer) -> M) -> [ConnectionPeer: M] {
            Dictionary(uniqueKeysWithValues: ConnectionPeer.allCases.map { ($0, make($0)) })
        }
        let attempts = MetricNameDescriptor.sluice("sluice_connection_attempts_total", help: "Attempts to open a connection to the database or the broker, by outcome")
        open = byPeer { registry.makeGauge(descriptor: .sluice("sluice_connections_open", help: "Connections to the database or the broker open now"), labels: [("peer", $0.rawValue)]) }
        opened = byPeer { registry.makeCounter(descriptor: attempts, labels: [("peer", $0.rawValue), ("outcome", "opened")]) }
        failed = byPeer { registry.makeCounter(descriptor: attempts, labels: [("peer", $0.rawValue), ("outcome", "failed")]) }
        lost = byPeer { registry.makeCounter(descriptor: .sluice("sluice_connections_lost_total", help: "Open connections to the database or the broker that broke"), labels: [("peer", $0.rawValue)]) }
        poolInUse = registry.makeGauge(descriptor: .sluice("sluice_db_pool_in_use", help: "Pooled database connections checked out now"))
        poolWaiting = registry.makeGauge(descriptor: .sluice("sluice_db_pool_waiting", help: "Checkouts waiting for a pooled database connection now"))
        poolWait = registry.makeDurationHistogram(
            descriptor: .sluice("sluice_db_pool_wait_seconds", help: "How long checkouts waited for a pooled database connection"),
            buckets: [.microseconds(100), .milliseconds(1), .milliseconds(10), .milliseconds(100), .seconds(1), .seconds(10)]
        )
    }

    public func connectionAttempted(_ peer: ConnectionPeer, opened: Bool) {
        if opened {
            self.opened[peer]?.increment()
            open[peer]?.increment()
        } else {
            failed[peer]?.increment()
        }
    }

    public func connectionLost(_ peer: ConnectionPeer) { lost[peer]?.increment() }

    public func connectionClosed(_ peer: ConnectionPeer) { open[peer]?.decrement() }

    public func poolCheckoutStarted() { poolWaiting.increment() }

    public func poolCheckoutEnded(waited: Duration?) {
        poolWaiting.decrement()
        guard let waited else { return }
        poolInUse.increment()
        poolWait.record(waited)
    }

    public func poolCheckedIn() { poolInUse.decrement() }
}
