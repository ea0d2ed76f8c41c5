/// Exponential backoff with jitter for reconnecting to the broker or the database.
///
/// The delay before try `n` (0-based) is drawn uniformly from the upper half of
/// `min(maximum, initial × multiplier^n)`, so replicas that lost the same server at
/// the same moment do not come back in lockstep, and no delay collapses to zero.
public struct Backoff: Sendable, Hashable {
    /// Delay cap for the first retry. Default 100 ms.
    public var initial: Duration
    /// Upper bound for any delay. Default 10 s.
    public var maximum: Duration
    /// Growth per try. Default 2.
    public var multiplier: Double

    public init(initial: Duration = .milliseconds(100), maximum: Duration = .seconds(10), multiplier: Double = 2) {
        precondition(initial > .zero && maximum >= initial && multiplier >= 1, "invalid backoff")
        self.initial = initial
        self.maximum = maximum
        self.multiplier = multiplier
    }

    /// The delay before try `attempt` (0 for the first retry).
    public func delay(forAttempt attempt: Int) -> Duration {
        var generator = SystemRandomNumberGenerator()
        return delay(forAttempt: attempt, using: &generator)
    }

    /// The delay before try `attempt`, drawing the jitter from `generator`.
    public func delay(forAttempt attempt: Int, using generator: inout some RandomNumberGenerator) -> Duration {
        let initialSeconds = initial.seconds
        let cap = min(maximum.seconds, initialSeconds * Double.pow(multiplier, max(0, attempt)))
        let seconds = Double.random(in: (cap / 2)...cap, using: &generator)
        return .nanoseconds(Int64(seconds * 1e9))
    }
}

extension Duration {
    /// The duration as floating-point seconds.
    public var seconds: Double {
        let parts = components
        return Double(parts.seconds) + Double(parts.attoseconds) * 1e-18
    }
}

extension Double {
    fileprivate static func pow(_ base: Double, _ exponent: Int) -> Double {
        (0..<min(exponent, 64)).reduce(1.0) { product, _ in product * base }
    }
}
