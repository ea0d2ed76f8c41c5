import Foundation
import Logging
import Metrics
import Prometheus
import SluiceCore

/// What a service's `main` sets up before anything else, and only there: logging (text
/// or JSON lines on standard error, at a level) and metrics (swift-metrics into
/// `PrometheusMetricsFactory.defaultRegistry`, which each service's `/metrics` serves,
/// with `sluice_build_info{service, version}`, and the connections' health through
/// ``ConnectionMetrics``).
///
/// Settings: `SLUICE_LOG_FORMAT` (`text`, the default, one record a line, see
/// ``OneLineLogHandler``; or `json`: one JSON object a line), `SLUICE_LOG_LEVEL` (`trace` … `critical`, default `info`).
public enum Observability {
    /// Bootstraps logging and metrics for the process; returns its logger, labelled `label`.
    public static func bootstrap(label: String, environment: [String: String] = ProcessInfo.processInfo.environment) throws -> Logger {
        let level = try logLevel(environment["SLUICE_LOG_LEVEL"] ?? "info")
        switch environment["SLUICE_LOG_FORMAT"] ?? "text" {
        case "text":
            LoggingSystem.bootstrap { label in
                var handler = OneLineLogHandler(StreamLogHandler.standardError(label: label))
                handler.logLevel = level
                return handler
            }
        case "json":
            LoggingSystem.bootstrap { label in
                var handler = JSONLinesLogHandler(label: label)
                handler.logLevel = level
                return handler
            }
        case let other:
            throw ConfigurationError(key: "SLUICE_LOG_FORMAT", value: other, expected: "text or json")
        }
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: PrometheusMetricsFactory.defaultRegistry))
        PrometheusMetricsFactory.defaultRegistry.makeGauge(descriptor: .sluice("sluice_build_info", help: "Always 1: the service and the Sluice version it runs"), labels: [("service", label), ("version", SluiceVersion.current)]).set(to: 1)
        ConnectionObservation.install(ConnectionMetrics(registry: PrometheusMetricsFactory.defaultRegistry))
        return Logger(label: label)
    }

    private static func logLevel(_ text: String) throws -> Logger.Level {
        guard let level = Logger.Level(rawValue: text.lowercased()) else {
            throw ConfigurationError(
                key: "SLUICE_LOG_LEVEL", value: text, expected: "one of \(Logger.Level.allCases.map(\.rawValue).joined(separator: ", "))"
            )
        }
        return level
    }
}
