import Foundation
import Logging
import SluiceAMQP
import SluiceContracts
import SluiceJobs
import SluicePostgres

/// One stage's own logic; everything around it (claiming the job, recording the
/// attempt, handing off, acknowledging) is the ``StageRunner``'s.
public protocol StageHandler: Sendable {
    /// Does the stage's work for one job. Reads and writes the job's artifacts;
    /// throws ``StageError`` to fail (permanently for invalid data) or anything else
    /// for a failure that a retry may fix.
    func run(_ job: StageJob) async throws -> StageResult
}

/// The job a handler works on.
public struct StageJob: Sendable {
    /// The message that named the job.
    public let message: StageMessage
    /// The job's `processing_config` as stored in `jobs.config`.
    public let config: PostgresJSON
    /// Where the job's data is.
    public let artifacts: ArtifactStore
    /// The job's owner (``JobOwner``), in whose input folder its `input_uri` is found.
    public let owner: String
    /// Carries the job id and trace id as metadata.
    public let logger: Logger

    /// Creates a job description (the runner does; tests of a handler do too).
    public init(message: StageMessage, config: PostgresJSON, artifacts: ArtifactStore, owner: String = JobOwner.standard, logger: Logger) {
        self.message = message
        self.config = config
        self.artifacts = artifacts
        self.owner = owner
        self.logger = logger
    }
}

/// What a handler returns.
public struct StageResult: Sendable {
    /// Counts, device and metrics for the attempt row and `job_metrics`.
    public var outcome: StageOutcome
    /// The job's summary, stored in `job_results`; given by the last stage, which completes the job.
    public var summary: PostgresJSON?
    /// A message for the submitter's `reply_to` queue, published once the result is committed.
    public var reply: Reply?

    /// A message to a submitter's reply queue (through the default exchange).
    public struct Reply: Sendable {
        public var queue: String
        public var correlationID: String?
        public var body: [UInt8]

        public init(queue: String, correlationID: String?, body: [UInt8]) {
            self.queue = queue
            self.correlationID = correlationID
            self.body = body
        }
    }

    public init(outcome: StageOutcome, summary: PostgresJSON? = nil, reply: Reply? = nil) {
        self.outcome = outcome
        self.summary = summary
        self.reply = reply
    }
}

/// A stage failure with its cause. Invalid data fails the job at once; other causes
/// are retried as the ``RetryPolicy`` allows.
public struct StageError: Error, CustomStringConvertible {
    public let cause: FailureCause
    public let message: String

    public init(_ cause: FailureCause, _ message: String) {
        self.cause = cause
        self.message = message
    }

    /// Any error a stage threw, with its cause: a ``StageError`` keeps its own; a lost
    /// database or broker connection is `database_unavailable` / `broker_unavailable`;
    /// anything else is `internal_error`.
    public init(classifying error: any Error) {
        switch error {
        case let error as StageError: self = error
        case let error as PostgresError where [.connectionFailed, .connectionLost, .poolShutDown].contains(error.code):
            self.init(.databaseUnavailable, "\(error)")
        case let error as AMQPError: self.init(.brokerUnavailable, "\(error)")
        default: self.init(.internalError, "\(error)")
        }
    }

    /// Whether retrying cannot help.
    public var isPermanent: Bool { cause == .invalidData }

    public var description: String { "\(cause.rawValue): \(message)" }
}

/// Turns a delivery that is not a ``StageMessage`` (a job a script published onto the
/// submit exchange) into one, creating the job on the way. Only the first stage has one.
public protocol MessageIntake: Sendable {
    /// The stage message for the submitted job; throws when the delivery is not a
    /// readable submission, which then goes to the dead-letter queue.
    func admit(_ delivery: AMQPDelivery) async throws -> StageMessage
}
