import Foundation
import SluiceCore
import SluiceJobs

/// What the gateway reads from its environment: the pipeline's settings
/// (``PipelineConfiguration``) and its own.
///
/// | key | default | meaning |
/// |---|---|---|
/// | `SLUICE_HTTP_HOST` | `127.0.0.1` | address to listen on (`0.0.0.0` for every interface) |
/// | `SLUICE_HTTP_PORT` | `58080` | port to listen on (0: any free port) |
/// | `SLUICE_PROCESS_WAIT` | `30` | seconds `POST /process` waits for the job by default |
/// | `SLUICE_PROCESS_MAX_WAIT` | `300` | the most seconds `?wait=` may ask for |
/// | `SLUICE_PUBLISH_TIMEOUT` | `10` | seconds to wait for the broker to confirm a new job's message |
/// | `SLUICE_REQUEST_TIMEOUT` | `60` | seconds a client has to send a request's body (then 408); a connection silent for twice as long (say, headers never finished) is closed |
/// | `SLUICE_GATEWAY_THREADS` | `2` | threads that parse and check request bodies and write inputs |
/// | `SLUICE_AUTH` | `required` | `required`: every route but `/health`, `/ready`, `/metrics`, `/openapi.yaml` and the dashboard's files needs an API key; `off`: none does |
/// | `SLUICE_RATE_LIMIT` | `50` | requests a second per API key, on average |
/// | `SLUICE_RATE_BURST` | `100` | requests per API key in a burst |
/// | `SLUICE_CORS_ORIGINS` | (none) | browser origins allowed to call the API, comma-separated |
struct GatewayConfiguration: Sendable {
    var pipeline: PipelineConfiguration
    var host: String
    var port: Int
    var processWait: Duration
    var maxProcessWait: Duration
    var publishTimeout: Duration
    var requestTimeout: Duration
    var threads: Int
    var authRequired: Bool
    var rateLimit: Double
    var rateBurst: Int
    var corsOrigins: Set<String>

    /// Reads the keys listed on the type; a malformed value is an error naming its key.
    init(environment: [String: String] = ProcessInfo.processInfo.environment) throws {
        pipeline = try PipelineConfiguration(environment: environment)
        let settings = EnvironmentSettings(environment)
        host = settings.string("SLUICE_HTTP_HOST", default: "127.0.0.1")
        port = try settings.integer("SLUICE_HTTP_PORT", default: 58080, in: 0...65535)
        maxProcessWait = try settings.seconds("SLUICE_PROCESS_MAX_WAIT", default: 300, in: 0...86_400)
        processWait = try settings.seconds("SLUICE_PROCESS_WAIT", default: 30, in: 0...86_400)
        publishTimeout = try settings.seconds("SLUICE_PUBLISH_TIMEOUT", default: 10, in: 0.1...600)
        requestTimeout = try settings.seconds("SLUICE_REQUEST_TIMEOUT", default: 60, in: 0.1...3_600)
        threads = try settings.integer("SLUICE_GATEWAY_THREADS", default: 2, in: 1...256)
        switch settings.string("SLUICE_AUTH", default: "required") {
        case "required": authRequired = true
        case "off": authRequired = false
        case let other: throw ConfigurationError(key: "SLUICE_AUTH", value: other, expected: "required or off")
        }
        rateLimit = try settings.number("SLUICE_RATE_LIMIT", default: 50, in: 0.001...1_000_000)
        rateBurst = try settings.integer("SLUICE_RATE_BURST", default: 100, in: 1...1_000_000)
        corsOrigins = Set(settings.string("SLUICE_CORS_ORIGINS", default: "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty })
        guard processWait <= maxProcessWait else {
            throw ConfigurationError(
                key: "SLUICE_PROCESS_WAIT", value: environment["SLUICE_PROCESS_WAIT"] ?? "30",
                expected: "at most SLUICE_PROCESS_MAX_WAIT (\(maxProcessWait))"
            )
        }
    }
}
