import Foundation

/// Whole-job latencies (accepted to finished, seconds) counted into contiguous buckets
/// with round edges, and their 50th, 95th and 99th percentiles. The buckets are
/// log-spaced (1-2-5 per decade) where the latencies span more than two orders of
/// magnitude, else of one width in a 1-2-5 step.
struct LatencyDistribution: Sendable, Equatable {
    /// The latencies from `lower` up to `upper` (the last bucket includes its `upper`).
    struct Bucket: Sendable, Equatable {
        let lower: Double
        let upper: Double
        let count: Int
    }

    let buckets: [Bucket]
    /// Whether the bucket edges are 1-2-5 per decade rather than evenly spaced.
    let logSpaced: Bool
    /// How many latencies were counted.
    let count: Int
    let p50: Double
    let p95: Double
    let p99: Double

    /// The distribution of `latencies` (none negative); nil when there are none.
    init?(latencies: [Double]) {
        let sorted = latencies.filter(\.isFinite).sorted()
        guard let smallest = sorted.first, let largest = sorted.last else { return nil }
        logSpaced = smallest > 0 && largest / smallest > ChartScale.logRatio
        let edges = logSpaced ? Self.decadeEdges(from: smallest, to: largest) : Self.evenEdges(from: smallest, to: largest)
        var counts = Array(repeating: 0, count: edges.count - 1)
        for latency in sorted {
            // The last edge at or below the latency; the top edge belongs to the last bucket.
            let index = (edges.lastIndex { $0 <= latency * (1 + 1e-12) } ?? 0)
            counts[min(index, counts.count - 1)] += 1
        }
        buckets = counts.indices.map { Bucket(lower: edges[$0], upper: edges[$0 + 1], count: counts[$0]) }
        count = sorted.count
        p50 = Self.percentile(0.50, ofSorted: sorted)
        p95 = Self.percentile(0.95, ofSorted: sorted)
        p99 = Self.percentile(0.99, ofSorted: sorted)
    }

    /// The `fraction` percentile of `sorted` (ascending, not empty), interpolating between
    /// the two nearest ranks, as PostgreSQL's `percentile_cont` does.
    static func percentile(_ fraction: Double, ofSorted sorted: [Double]) -> Double {
        let rank = fraction * Double(sorted.count - 1)
        let below = Int(rank.rounded(.down))
        let above = min(below + 1, sorted.count - 1)
        return sorted[below] + (sorted[above] - sorted[below]) * (rank - Double(below))
    }

    /// 1, 2, 5 × 10^n from the last at or below `smallest` to the first at or above `largest`.
    private static func decadeEdges(from smallest: Double, to largest: Double) -> [Double] {
        let mantissas = [1.0, 2, 5]
        func edge(_ index: Int) -> Double {
            let decade = Int((Double(index) / 3).rounded(.down))
            return ChartScale.decimal(mantissas[index - decade * 3], decade)
        }
        var first = 3 * Int(log10(smallest).rounded(.down)) + 2
        while edge(first) > smallest * (1 + 1e-12) { first -= 1 }
        var last = first + 1
        while edge(last) < largest * (1 - 1e-12) { last += 1 }
        return (first...last).map(edge)
    }

    /// Edges a 1-2-5 step apart, about ten buckets, from a multiple of the step at or below
    /// `smallest` to one at or above `largest`; one bucket when they are equal.
    private static func evenEdges(from smallest: Double, to largest: Double) -> [Double] {
        let spread = largest > smallest ? largest - smallest : max(largest, 0.001)
        let step = ChartScale.roundStep(atLeast: spread / 10)
        let stepValue = ChartScale.decimal(step.mantissa, step.exponent)
        let first = Int((smallest / stepValue + 1e-9).rounded(.down))
        let last = max(first + 1, Int((largest / stepValue - 1e-9).rounded(.up)))
        return (first...last).map { ChartScale.decimal(Double($0) * step.mantissa, step.exponent) }
    }
}
