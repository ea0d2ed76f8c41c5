/// The AMQP header names Sluice sets on its messages, read by other processes (the
/// services, `sluice dlq`, users' scripts).
public enum MessageHeader {
    /// Every stage message's (and a script's submission's, optionally): follows the job through the logs.
    public static let traceID = "trace_id"
    /// On a message parked in a retry tier: the cause of the failed attempt.
    public static let retryCause = "x-sluice-retry-cause"
    /// On a dead letter: the stage whose attempts ran out.
    public static let stage = "x-sluice-stage"
    /// On a dead letter: the cause of the last failed attempt (a ``FailureCause``).
    public static let cause = "x-sluice-cause"
    /// On a dead letter: the last attempt's error.
    public static let error = "x-sluice-error"
    /// On a dead letter: how many attempts the stage had.
    public static let attempts = "x-sluice-attempts"
}
