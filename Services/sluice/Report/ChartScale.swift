import Foundation

/// How a chart maps values onto one axis, with the round numbers it labels: linear from
/// zero with ticks in 1-2-5 steps, or logarithmic with ticks at powers of ten where the
/// values span more than two orders of magnitude (on a linear scale the small ones would
/// be bars too thin to see).
struct ChartScale: Sendable, Equatable {
    /// Linear or logarithmic.
    enum Kind: Sendable, Equatable {
        case linear
        case log
    }

    /// A labelled value on the axis.
    struct Tick: Sendable, Equatable {
        let value: Double
        let label: String
    }

    let kind: Kind
    /// The value at the start of the axis (the bottom, or the left).
    let lower: Double
    /// The value at the end of the axis.
    let upper: Double
    /// Ascending, from `lower` to `upper`.
    let ticks: [Tick]

    /// Positive values whose largest is more than this many times their smallest get a log scale.
    static let logRatio = 100.0

    /// A scale from `lower` to `upper` labelled at `ticks`.
    init(kind: Kind, lower: Double, upper: Double, ticks: [Double]) {
        self.kind = kind
        self.lower = lower
        self.upper = upper
        self.ticks = ticks.map { Tick(value: $0, label: Self.label($0)) }
    }

    /// A scale that holds every value of `values` (none negative): logarithmic when the
    /// positive ones span more than ``logRatio`` and `allowsLog`, else linear from zero.
    /// `wholeNumbers` (counts) keeps a linear scale's ticks whole.
    static func fitting(_ values: [Double], allowsLog: Bool = true, wholeNumbers: Bool = false) -> ChartScale {
        let finite = values.filter(\.isFinite)
        let positive = finite.filter { $0 > 0 }
        if allowsLog, let smallest = positive.min(), let largest = positive.max(), largest / smallest > logRatio {
            return logarithmic(from: smallest, to: largest)
        }
        return linear(upTo: finite.max() ?? 0, wholeNumbers: wholeNumbers)
    }

    /// Where `value` lies between `lower` (0) and `upper` (1), clamped; 0 for what a log
    /// scale cannot place (zero, negative) and for NaN.
    func fraction(_ value: Double) -> Double {
        guard value.isFinite else { return 0 }
        let position: Double
        switch kind {
        case .linear:
            position = (value - lower) / (upper - lower)
        case .log:
            guard value > 0 else { return 0 }
            position = (log10(value) - log10(lower)) / (log10(upper) - log10(lower))
        }
        return min(max(position, 0), 1)
    }

    /// What the axis measures, saying when its scale is logarithmic.
    func caption(_ unit: String) -> String {
        kind == .log ? "\(unit) (log scale)" : unit
    }

    /// `mantissa` × 10^`exponent`, computed so that 0.1, 0.2, 0.5 come out as the
    /// doubles nearest to them (10^-1 is not exact; dividing by 10 is correctly rounded).
    static func decimal(_ mantissa: Double, _ exponent: Int) -> Double {
        exponent >= 0 ? mantissa * pow(10, Double(exponent)) : mantissa / pow(10, Double(-exponent))
    }

    /// The 1, 2 or 5 × 10^n at or above `raw` (positive), as (mantissa, exponent).
    static func roundStep(atLeast raw: Double) -> (mantissa: Double, exponent: Int) {
        var exponent = Int(log10(raw).rounded(.down))
        let residual = raw / decimal(1, exponent)
        let mantissa: Double
        switch residual {
        case ...1.000_000_001: mantissa = 1
        case ...2.000_000_001: mantissa = 2
        case ...5.000_000_001: mantissa = 5
        default:
            mantissa = 1
            exponent += 1
        }
        return (mantissa, exponent)
    }

    /// 0 to the first tick at or above `largest`, in about five 1-2-5 steps.
    private static func linear(upTo largest: Double, wholeNumbers: Bool) -> ChartScale {
        let top = largest > 0 ? largest : 1
        var step = roundStep(atLeast: top / 5)
        if wholeNumbers && step.exponent < 0 { step = (1, 0) }
        let stepValue = decimal(step.mantissa, step.exponent)
        let count = max(1, Int((top / stepValue - 1e-9).rounded(.up)))
        let ticks = (0...count).map { decimal(Double($0) * step.mantissa, step.exponent) }
        return ChartScale(kind: .linear, lower: 0, upper: ticks[ticks.count - 1], ticks: ticks)
    }

    /// Powers of ten from at least half a decade below `smallest` (so its bar has some
    /// height) to the first at or above `largest`; at most about eight ticks.
    private static func logarithmic(from smallest: Double, to largest: Double) -> ChartScale {
        let low = Int((log10(smallest) - 0.5).rounded(.down))
        let decades = max(1, Int((log10(largest) - 1e-9).rounded(.up)) - low)
        let every = (decades + 6) / 7
        let high = low + every * ((decades + every - 1) / every)
        let ticks = stride(from: low, through: high, by: every).map { decimal(1, $0) }
        return ChartScale(kind: .log, lower: ticks[0], upper: ticks[ticks.count - 1], ticks: ticks)
    }

    /// `value` in the fewest decimals that say it exactly (a round number needs few):
    /// 0, 0.2, 1.5, 20, 0.0001.
    static func label(_ value: Double) -> String {
        for decimals in 0...12 {
            let text = String(format: "%.\(decimals)f", value)
            if let parsed = Double(text), abs(parsed - value) <= abs(value) * 1e-9 { return text }
        }
        return String(format: "%g", value)
    }
}
