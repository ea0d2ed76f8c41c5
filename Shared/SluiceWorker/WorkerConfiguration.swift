import Foundation
import SluiceJobs

/// What every stage worker reads from its environment: the pipeline's settings
/// (``PipelineConfiguration``) and `SLUICE_PREFETCH`, the messages a worker process
/// works on at once (default 4), and the ``RetryPolicy`` keys (`SLUICE_MAX_ATTEMPTS…`).
public struct WorkerConfiguration: Sendable {
    /// Broker, database, shared storage.
    public var pipeline: PipelineConfiguration
    /// Messages this process works on at once.
    public var prefetch: UInt16
    /// Attempts per failure cause.
    public var retryPolicy: RetryPolicy

    /// Reads the keys listed on the type; a malformed value is an error naming its key.
    public init(environment: [String: String] = ProcessInfo.processInfo.environment) throws {
        pipeline = try PipelineConfiguration(environment: environment)
        prefetch = UInt16(try EnvironmentSettings(environment).integer("SLUICE_PREFETCH", default: 4, in: 1...Int(UInt16.max)))
        retryPolicy = try RetryPolicy(environment: environment)
    }
}
