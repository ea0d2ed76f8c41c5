import SluiceContracts
import SluiceCore
import SluiceJobs

/// How many attempts a stage gets per failure cause before its job is failed and its
/// message dead-lettered. Invalid data is never retried; the other causes are
/// transient and retried through the retry tiers (1 s, 5 s, 30 s by default, the last
/// one repeated), each attempt a row of its own in `stage_attempts`.
///
/// Defaults (attempts in all, the first included): timeout 3, worker_lost 3,
/// broker_unavailable 5, database_unavailable 5, spark_driver_crash 3, gpu_error 2,
/// internal_error 3. `SLUICE_MAX_ATTEMPTS` sets every transient cause at once;
/// `SLUICE_MAX_ATTEMPTS_<CAUSE>` (e.g. `SLUICE_MAX_ATTEMPTS_SPARK_DRIVER_CRASH`) one.
public struct RetryPolicy: Sendable, Equatable {
    /// Attempts per cause.
    public var maxAttempts: [FailureCause: Int]

    /// The defaults listed on the type.
    public init() {
        maxAttempts = [
            .invalidData: 1, .timeout: 3, .workerLost: 3, .brokerUnavailable: 5, .databaseUnavailable: 5,
            .sparkDriverCrash: 3, .gpuError: 2, .internalError: 3,
        ]
    }

    /// The defaults, overridden by the environment keys listed on the type.
    public init(environment: [String: String]) throws {
        self.init()
        let settings = EnvironmentSettings(environment)
        for cause in FailureCause.allCases where cause != .invalidData {
            let all = try settings.integer("SLUICE_MAX_ATTEMPTS", default: maxAttempts[cause] ?? 3, in: 1...100)
            maxAttempts[cause] = try settings.integer("SLUICE_MAX_ATTEMPTS_\(cause.rawValue.uppercased())", default: all, in: 1...100)
        }
    }

    /// Whether a stage that failed on `attempt` for `cause` runs again.
    public func retries(_ cause: FailureCause, after attempt: Int) -> Bool {
        attempt < (maxAttempts[cause] ?? 1)
    }
}
