import Hummingbird
import SluiceAMQP
import SluiceContracts
import SluiceCore
import SluicePostgres

/// `GET /health` (the process answers) and `GET /ready` (it can take jobs: the
/// database accepts connections, the broker answers and has the validate queue, and the job
/// events listener is connected).
struct HealthRoutes: Sendable {
    let pool: PostgresPool
    let admin: AMQPAdmin
    let topology: SluiceTopology
    let events: JobEvents

    func register(on router: Router<GatewayRequestContext>) {
        router.get("health") { _, _ in ["status": "ok"] }
        router.get("ready") { _, _ in await self.ready() }
    }

    func ready() async -> EditedResponse<Readiness> {
        let (pool, admin, queue, events) = (pool, admin, topology.queue(.validate), events)
        let checks = await ReadinessCheck.evaluate([
            .database(pool),
            .broker(admin, queue: queue),
            ReadinessCheck("job_events") { guard events.isListening else { throw NotListening() } },
        ])
        let ready = checks.values.allSatisfy { $0 == ReadinessCheck.passed }
        return EditedResponse(status: ready ? .ok : .serviceUnavailable, response: Readiness(status: ready ? "ready" : "unavailable", checks: checks))
    }

    /// `/ready`'s answer while the job-events listener is not connected.
    private struct NotListening: Error, CustomStringConvertible {
        var description: String { "not listening yet" }
    }

    struct Readiness: ResponseEncodable {
        let status: String
        let checks: [String: String]
    }
}
