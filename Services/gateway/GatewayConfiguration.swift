import Foundation
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
/// | `SLUICE_GATEWAY_THREADS` | `2` | threads that parse and check request bodies and write inputs |
struct GatewayConfiguration: Sendable {
    var pipeline: PipelineConfiguration
    var host: String
    var port: Int
    var processWait: Duration
    var maxProcessWait: Duration
    var publishTimeout: Duration
    var threads: Int

    /// Reads the keys listed on the type; a malformed value is an error naming its key.
    init(environment: [String: String] = ProcessInfo.processInfo.environment) throws {
        pipeline = try PipelineConfiguration(environment: environment)
        let settings = EnvironmentSettings(environment)
        host = settings.string("SLUICE_HTTP_HOST", default: "127.0.0.1")
        port = try settings.integer("SLUICE_HTTP_PORT", default: 58080, in: 0...65535)
        maxProcessWait = try settings.seconds("SLUICE_PROCESS_MAX_WAIT", default: 300, in: 0...86_400)
        processWait = try settings.seconds("SLUICE_PROCESS_WAIT", default: 30, in: 0...86_400)
        publishTimeout = try settings.seconds("SLUICE_PUBLISH_TIMEOUT", default: 10, in: 0.1...600)
        threads = try settings.integer("SLUICE_GATEWAY_THREADS", default: 2, in: 1...256)
        guard processWait <= maxProcessWait else {
            throw ConfigurationError(
                key: "SLUICE_PROCESS_WAIT", value: environment["SLUICE_PROCESS_WAIT"] ?? "30",
                expected: "at most SLUICE_PROCESS_MAX_WAIT (\(maxProcessWait))"
            )
        }
    }
}
