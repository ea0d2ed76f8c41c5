import Hummingbird
import SluiceAMQP
import SluiceContracts
import SluicePostgres

/// `GET /health` (the process answers) and `GET /ready` (it can take jobs: the
/// database answers, the broker answers and has the validate queue, and the job
/// events listener is connected).
struct HealthRoutes: Sendable {
    let pool: PostgresPool
    let admin: AMQPAdmin
    let topology: SluiceTopology
    let events: JobEvents

    func register(on router: Router<some RequestContext>) {
        router.get("health") { _, _ in try JSONBody.response(["status": "ok"]) }
        router.get("ready") { _, _ in try await self.ready() }
    }

    func ready() async throws -> Response {
        async let database = Self.check { try await pool.withConnection { _ = try $0.query("SELECT 1") } }
        async let broker = Self.check { _ = try await admin.messageCount(queue: topology.queue(.validate)) }
        let checks = [
            "database": await database,
            "broker": await broker,
            "job_events": events.isListening ? "ok" : "not listening yet",
        ]
        let ready = checks.values.allSatisfy { $0 == "ok" }
        return try JSONBody.response(
            Readiness(status: ready ? "ready" : "unavailable", checks: checks),
            status: ready ? .ok : .serviceUnavailable
        )
    }

    private static func check(_ probe: @Sendable () async throws -> Void) async -> String {
        do {
            try await probe()
            return "ok"
        } catch {
            return "\(error)"
        }
    }

    struct Readiness: Encodable {
        let status: String
        let checks: [String: String]
    }
}
