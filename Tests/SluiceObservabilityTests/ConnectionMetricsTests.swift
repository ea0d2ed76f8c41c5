import Prometheus
import SluiceCore
import SluiceObservability
import Testing

/// ``ConnectionMetrics`` turns the connection reports into the series an operator reads.
@Suite struct ConnectionMetricsTests {
    static func exposition(_ registry: PrometheusCollectorRegistry) -> String {
        var buffer: [UInt8] = []
        registry.emit(into: &buffer)
        return String(decoding: buffer, as: UTF8.self)
    }

    static func value(_ series: String, in text: String) -> Double? {
        text.split(separator: "\n").first { $0.hasPrefix(series + " ") }.flatMap { Double($0.dropFirst(series.count + 1)) }
    }

    @Test func opensLossesAndClosesAreCountedByPeer() {
        let registry = PrometheusCollectorRegistry()
        let metrics = ConnectionMetrics(registry: registry)
        metrics.connectionAttempted(.database, opened: true)
        metrics.connectionAttempted(.database, opened: true)
        metrics.connectionAttempted(.database, opened: false)
        metrics.connectionLost(.database)
        metrics.connectionClosed(.database)
        metrics.connectionAttempted(.broker, opened: false)
        let text = Self.exposition(registry)
        #expect(Self.value(#"sluice_connections_open{peer="database"}"#, in: text) == 1)
        #expect(Self.value(#"sluice_connection_attempts_total{peer="database",outcome="opened"}"#, in: text) == 2)
        #expect(Self.value(#"sluice_connection_attempts_total{peer="database",outcome="failed"}"#, in: text) == 1)
        #expect(Self.value(#"sluice_connections_lost_total{peer="database"}"#, in: text) == 1)
        #expect(Self.value(#"sluice_connections_open{peer="broker"}"#, in: text) == 0)
        #expect(Self.value(#"sluice_connection_attempts_total{peer="broker",outcome="failed"}"#, in: text) == 1)
        #expect(text.contains("# HELP sluice_connections_open "))
    }

    @Test func poolCheckoutsAreCountedWhileTheyWaitAndWhileTheyHold() {
        let registry = PrometheusCollectorRegistry()
        let metrics = ConnectionMetrics(registry: registry)
        metrics.poolCheckoutStarted()
        metrics.poolCheckoutStarted()
        metrics.poolCheckoutStarted()
        #expect(Self.value("sluice_db_pool_waiting", in: Self.exposition(registry)) == 3)
        metrics.poolCheckoutEnded(waited: .milliseconds(5))
        metrics.poolCheckoutEnded(waited: .seconds(2))
        metrics.poolCheckoutEnded(waited: nil)
        var text = Self.exposition(registry)
        #expect(Self.value("sluice_db_pool_waiting", in: text) == 0)
        #expect(Self.value("sluice_db_pool_in_use", in: text) == 2)
        #expect(Self.value("sluice_db_pool_wait_seconds_count", in: text) == 2, "a cancelled checkout held nothing")
        #expect(Self.value(#"sluice_db_pool_wait_seconds_bucket{le="0.01"}"#, in: text) == 1)
        metrics.poolCheckedIn()
        text = Self.exposition(registry)
        #expect(Self.value("sluice_db_pool_in_use", in: text) == 1)
    }
}
