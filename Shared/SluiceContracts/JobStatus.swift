/// Where a job is: `queued → validating → normalizing → processing → analyzing →
/// completed`, or `failed` / `cancelled`. Stored as text in `jobs.status`.
public enum JobStatus: String, Sendable, Codable, CaseIterable {
    case queued, validating, normalizing, processing, analyzing, completed, failed, cancelled

    /// Whether nothing more happens to the job.
    public var isFinal: Bool { self == .completed || self == .failed || self == .cancelled }

    /// Position on the happy path; final states come after every stage.
    var progress: Int {
        switch self {
        case .queued: 0
        case .validating: 1
        case .normalizing: 2
        case .processing: 3
        case .analyzing: 4
        case .completed, .failed, .cancelled: 5
        }
    }

    /// Whether a job in this state may still (re)run `stage`: not once it is final or
    /// has moved on to a later stage.
    public func admits(_ stage: Stage) -> Bool {
        progress <= stage.runningStatus.progress
    }
}

extension Stage {
    /// The job's status while this stage works on it.
    public var runningStatus: JobStatus {
        switch self {
        case .validate: .validating
        case .normalize: .normalizing
        case .spark: .processing
        case .analyze: .analyzing
        }
    }
}

/// How a job entered the system. Stored as text in `jobs.source`.
public enum JobSource: String, Sendable, Codable, CaseIterable {
    case http, amqp, cli
}

/// Why a stage attempt failed. Stored as text in `stage_attempts.error_cause`.
public enum FailureCause: String, Sendable, Codable, CaseIterable {
    case invalidData = "invalid_data"
    case timeout
    case workerLost = "worker_lost"
    case brokerUnavailable = "broker_unavailable"
    case databaseUnavailable = "database_unavailable"
    case sparkDriverCrash = "spark_driver_crash"
    case gpuError = "gpu_error"
    case internalError = "internal_error"
}
