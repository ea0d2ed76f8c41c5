import Foundation
import Hummingbird
import Logging
import Prometheus
import ServiceLifecycle
import SluiceCore
import SluiceObservability

/// A stage worker's `GET /health` (the process answers), `GET /ready` (every
/// ``ReadinessCheck`` passes; otherwise 503 naming the failing ones), for orchestrators
/// and load balancers, and `GET /metrics` (Prometheus: the registry `main` bootstrapped,
/// see ``StageMetrics``); served on `SLUICE_HEALTH_PORT` when it is set.
enum WorkerHealth {
    static func application(
        stage: String, host: String, port: Int, checks: [ReadinessCheck], logger: Logger
    ) -> some Service {
        let router = Router()
        router.get("health") { _, _ in try Self.json(["status": "ok", "stage": stage], status: .ok) }
        router.get("ready") { _, _ in
            let results = await ReadinessCheck.evaluate(checks)
            let ready = results.values.allSatisfy { $0 == ReadinessCheck.passed }
            return try Self.json(Readiness(status: ready ? "ready" : "unavailable", stage: stage, checks: results), status: ready ? .ok : .serviceUnavailable)
        }
        router.get("metrics") { _, _ in PrometheusMetricsFactory.defaultRegistry.response() }
        return Application(
            router: router,
            configuration: .init(address: .hostname(host, port: port), serverName: "sluice-\(stage)"),
            onServerRunning: { channel in
                logger.info("health endpoints listening", metadata: ["http.address": "\(channel.localAddress.map { "\($0)" } ?? "-")"])
            },
            logger: logger
        )
    }

    private struct Readiness: Encodable {
        let status: String
        let stage: String
        let checks: [String: String]
    }

    private static func json(_ value: some Encodable, status: HTTPResponse.Status) throws -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return Response(
            status: status, headers: [.contentType: "application/json"],
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: try encoder.encode(value)))
        )
    }
}
