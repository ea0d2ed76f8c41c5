/// Every exchange and queue of Sluice, named in this one place.
///
/// ```
/// scripts ──▶ <prefix>.submit (fanout) ──────────────┐
/// services ─▶ <prefix>.work (direct, key = stage) ──▶ <prefix>.<stage>     quorum; after
///                                                     │    deliveryLimit deliveries ─▶ dead letters
/// retries ──▶ <prefix>.retry (direct, key = stage.tier) ──▶ <prefix>.<stage>.retry.<tier>
///                                     (TTL = tier delay, then back through <prefix>.work)
/// dead letters: <prefix>.dead-letter (fanout exchange) ──▶ <prefix>.dead-letter (queue)
/// ```
/// Submissions from scripts land on the validate queue next to the validator's own work.
public struct SluiceTopology: Sendable, Hashable {
    /// Prefix of every name. Default `sluice`; tests use their own.
    public var prefix: String
    /// Delay tiers for retries, shortest first. Default 1 s, 5 s, 30 s.
    public var retryDelays: [Duration]
    /// Deliveries of one message after which its queue dead-letters it. Default 5.
    public var deliveryLimit: Int

    /// Creates the topology description.
    public init(prefix: String = "sluice", retryDelays: [Duration] = [.seconds(1), .seconds(5), .seconds(30)], deliveryLimit: Int = 5) {
        precondition(!retryDelays.isEmpty, "at least one retry tier")
        self.prefix = prefix
        self.retryDelays = retryDelays
        self.deliveryLimit = deliveryLimit
    }

    /// Where scripts publish job submissions (any routing key).
    public var submitExchange: String { "\(prefix).submit" }
    /// Where services publish stage messages, with the stage name as routing key.
    public var workExchange: String { "\(prefix).work" }
    /// Where a failed stage message is sent to wait out a retry tier.
    public var retryExchange: String { "\(prefix).retry" }
    /// Where queues send messages past their delivery limit.
    public var deadLetterExchange: String { "\(prefix).dead-letter" }
    /// The queue that keeps dead-lettered messages for inspection and replay.
    public var deadLetterQueue: String { "\(prefix).dead-letter" }

    /// The work queue of `stage`.
    public func queue(_ stage: Stage) -> String { "\(prefix).\(stage.rawValue)" }

    /// The routing key that sends a message to `stage` through ``workExchange``.
    public func routingKey(_ stage: Stage) -> String { stage.rawValue }

    /// The routing key that parks a message for `stage` in retry tier `tier` (0-based).
    public func retryRoutingKey(_ stage: Stage, tier: Int) -> String {
        "\(stage.rawValue).\(Self.tierName(retryDelays[tier]))"
    }

    /// The queue where messages for `stage` wait out retry tier `tier`.
    public func retryQueue(_ stage: Stage, tier: Int) -> String {
        "\(prefix).\(stage.rawValue).retry.\(Self.tierName(retryDelays[tier]))"
    }

    /// `250ms`, `5s`, `2m`: short, readable, and unique per distinct delay.
    static func tierName(_ delay: Duration) -> String {
        let milliseconds = delay.components.seconds * 1000 + delay.components.attoseconds / 1_000_000_000_000_000
        if milliseconds % 60_000 == 0 { return "\(milliseconds / 60_000)m" }
        if milliseconds % 1000 == 0 { return "\(milliseconds / 1000)s" }
        return "\(milliseconds)ms"
    }
}
