import Foundation
import SluiceCore
import SluiceJobs

/// What every stage worker reads from its environment: the pipeline's settings
/// (``PipelineConfiguration``) and `SLUICE_PREFETCH`, the messages a worker process
/// works on at once (default 4), `SLUICE_LEASE_SECONDS` (default 60),
/// `SLUICE_DELIVERY_HOLD_SECONDS` (default 900), the ``RetryPolicy`` keys (`SLUICE_MAX_ATTEMPTS…`), and
/// `SLUICE_HEALTH_PORT` / `SLUICE_HEALTH_HOST` (default: no health endpoints; host
/// `127.0.0.1`), where the worker serves `/health` and `/ready`.
public struct WorkerConfiguration: Sendable {
    /// Broker, database, shared storage.
    public var pipeline: PipelineConfiguration
    /// Messages this process works on at once.
    public var prefetch: UInt16
    /// Attempts per failure cause.
    public var retryPolicy: RetryPolicy
    /// How long a claimed attempt stays a worker's without renewal (`SLUICE_LEASE_SECONDS`, default 60).
    public var lease: Duration
    /// How long a running stage keeps its message unacknowledged before the lease alone
    /// carries the job (`SLUICE_DELIVERY_HOLD_SECONDS`, default 900); keep it under the
    /// broker's `consumer_timeout` (30 min by default).
    public var deliveryHold: Duration
    /// Where `/health` and `/ready` are served; nil: not at all.
    public var healthPort: Int?
    public var healthHost: String

    /// Reads the keys listed on the type; a malformed value is an error naming its key.
    public init(environment: [String: String] = ProcessInfo.processInfo.environment) throws {
        pipeline = try PipelineConfiguration(environment: environment)
        prefetch = UInt16(try EnvironmentSettings(environment).integer("SLUICE_PREFETCH", default: 4, in: 1...Int(UInt16.max)))
        retryPolicy = try RetryPolicy(environment: environment)
        let settings = EnvironmentSettings(environment)
        lease = try settings.seconds("SLUICE_LEASE_SECONDS", default: 60, in: 1...86_400)
        deliveryHold = try settings.seconds("SLUICE_DELIVERY_HOLD_SECONDS", default: 900, in: 1...86_400)
        healthPort = environment["SLUICE_HEALTH_PORT"] == nil ? nil : try settings.integer("SLUICE_HEALTH_PORT", default: 0, in: 0...65535)
        healthHost = settings.string("SLUICE_HEALTH_HOST", default: "127.0.0.1")
    }
}
