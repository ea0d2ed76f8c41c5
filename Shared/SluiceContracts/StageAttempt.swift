import Foundation

/// One attempt of a stage at a job, with its timings: a row of `stage_latency` with its
/// `stage_attempts` error. The API lists a job's attempts in this shape (`GET
/// /api/v1/jobs/{id}`, the `stage_started` / `stage_finished` events), and the analyzer
/// reads the succeeded ones for the summary.
public struct StageAttempt: Codable, Sendable, Equatable {
    /// What became of an attempt (`stage_attempts.outcome`).
    public enum Outcome: String, Codable, Sendable {
        case running, succeeded, retried, failed, abandoned
    }

    public let stage: Stage
    public let attempt: Int
    public let outcome: Outcome
    public let worker: String
    /// e.g. `cpu`, `cuda:0`, `spark:local[2]`; nil when the stage used no compute device.
    public let device: String?
    public let enqueuedAt: Date
    public let startedAt: Date
    public let finishedAt: Date?
    public let queueWaitSeconds: Double
    public let serviceSeconds: Double?
    public let recordsIn: Int?
    public let recordsOut: Int?
    public let errorCause: FailureCause?
    public let error: String?

    enum CodingKeys: String, CodingKey {
        case stage, attempt, outcome, worker, device, enqueuedAt = "enqueued_at", startedAt = "started_at"
        case finishedAt = "finished_at", queueWaitSeconds = "queue_wait_seconds", serviceSeconds = "service_seconds"
        case recordsIn = "records_in", recordsOut = "records_out", errorCause = "error_cause", error
    }

    public init(
        stage: Stage, attempt: Int, outcome: Outcome, worker: String, device: String?, enqueuedAt: Date, startedAt: Date, finishedAt: Date?,
        queueWaitSeconds: Double, serviceSeconds: Double?, recordsIn: Int?, recordsOut: Int?, errorCause: FailureCause?, error: String?
    ) {
        self.stage = stage
        self.attempt = attempt
        self.outcome = outcome
        self.worker = worker
        self.device = device
        self.enqueuedAt = enqueuedAt
        self.startedAt = startedAt
        self.finishedAt = finishedAt
        self.queueWaitSeconds = queueWaitSeconds
        self.serviceSeconds = serviceSeconds
        self.recordsIn = recordsIn
        self.recordsOut = recordsOut
        self.errorCause = errorCause
        self.error = error
    }
}
