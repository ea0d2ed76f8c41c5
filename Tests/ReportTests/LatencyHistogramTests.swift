import Foundation
import SluiceCore
import Testing
@testable import sluice

@Suite struct LatencyHistogramTests {
    @Test func percentilesInterpolateBetweenRanks() throws {
        let distribution = try #require(LatencyDistribution(latencies: (1...100).map(Double.init).shuffled()))
        #expect(abs(distribution.p50 - 50.5) < 1e-9 && abs(distribution.p95 - 95.05) < 1e-9 && abs(distribution.p99 - 99.01) < 1e-9)
        #expect(distribution.count == 100 && !distribution.logSpaced, "1 to 100 is two orders of magnitude: even buckets")
        let single = try #require(LatencyDistribution(latencies: [7]))
        #expect(single.p50 == 7 && single.p95 == 7 && single.p99 == 7)
        #expect(LatencyDistribution(latencies: []) == nil)
    }

    static let spread: [Double] = [0.05, 0.3, 0.3, 2, 2, 2, 7, 40, 41, 600]

    @Test(arguments: [spread, (1...100).map(Double.init), [3.2, 3.2, 3.2], [0.4, 0.5, 0.6, 0.7], [0, 0.2, 5]] as [[Double]])
    func everyLatencyIsCountedOnceInTheBucketThatHoldsIt(latencies: [Double]) throws {
        let distribution = try #require(LatencyDistribution(latencies: latencies))
        let buckets = distribution.buckets
        #expect(buckets.map(\.count).reduce(0, +) == latencies.count)
        #expect(zip(buckets, buckets.dropFirst()).allSatisfy { $0.upper == $1.lower && $0.lower < $0.upper }, "buckets not contiguous")
        #expect(buckets.count <= 15)
        for (index, bucket) in buckets.enumerated() {
            let last = index == buckets.count - 1
            let inside = latencies.filter { $0 >= bucket.lower && ($0 < bucket.upper || last && $0 <= bucket.upper) }.count
            #expect(inside == bucket.count, "bucket \(bucket.lower)–\(bucket.upper) counts \(bucket.count), holds \(inside)")
            #expect(distribution.logSpaced ? isRoundStep(bucket.lower) : isRoundStep(bucket.upper - bucket.lower))
        }
    }

    @Test func latenciesOverOrdersOfMagnitudeGetLogSpacedBuckets() throws {
        let distribution = try #require(LatencyDistribution(latencies: Self.spread))
        #expect(distribution.logSpaced)
        #expect(distribution.buckets.first?.lower == 0.05 && distribution.buckets.last?.upper == 1000)
    }

    static func histogram(_ latencies: [Double]) throws -> (LatencyDistribution, ParsedSVG) {
        let distribution = try #require(LatencyDistribution(latencies: latencies))
        return (distribution, try ParsedSVG(Histogram.render(distribution, format: { String(format: "%.2f s", $0) }, title: "latency")))
    }

    @Test func theHistogramDrawsEveryBucketAndMarksThePercentilesInTheirBuckets() throws {
        let (distribution, svg) = try Self.histogram(Self.spread)
        let bars = svg.elements("rect", class: "bar")
        #expect(bars.count == distribution.buckets.count)
        #expect(try bars.map { try ParsedSVG.number($0, "data-count") }.reduce(0, +) == Double(Self.spread.count))
        #expect(bars.allSatisfy { ParsedSVG.text($0, "fill") == ChartColor.latency.hex })
        // Bars left to right, taller for more jobs.
        let xs = try bars.map { try ParsedSVG.number($0, "x") }
        #expect(zip(xs, xs.dropFirst()).allSatisfy { $0 < $1 })
        for (bar, bucket) in zip(bars, distribution.buckets) where bucket.count > 0 {
            #expect(try ParsedSVG.number(bar, "height") >= 10)
        }
        let tallest = try #require(bars.max { try ParsedSVG.number($0, "height") < ParsedSVG.number($1, "height") })
        #expect(try ParsedSVG.number(tallest, "data-count") == Double(distribution.buckets.map(\.count).max()!))
        #expect(svg.elements("text", class: "caption").contains { $0.stringValue?.contains("log scale") == true })
        #expect(svg.yCaption() == "jobs")

        for (name, value) in [("p50", distribution.p50), ("p95", distribution.p95), ("p99", distribution.p99)] {
            let marker = try #require(svg.elements("g", class: "percentile").first { ParsedSVG.text($0, "data-name") == name })
            let x = try ParsedSVG.number(try #require(svg.elements("line", under: marker).first), "x1")
            let bucket = try #require(distribution.buckets.firstIndex { value >= $0.lower && value <= $0.upper })
            let left = try ParsedSVG.number(bars[bucket], "x")
            let right = try left + ParsedSVG.number(bars[bucket], "width")
            #expect(x >= left - 1 && x <= right + 1, "\(name) (\(value)) at x \(x), outside its bucket's bar \(left)–\(right)")
            #expect(svg.elements("text", under: marker).first?.stringValue == "\(name) \(String(format: "%.2f s", value))")
        }
    }

    @Test func aSingleLatencyIsABarOnItsAxes() throws {
        let (_, svg) = try Self.histogram([3.2])
        let bars = svg.elements("rect", class: "bar")
        #expect(bars.count == 1)
        let (height, width) = (try ParsedSVG.number(bars[0], "height"), try ParsedSVG.number(bars[0], "width"))
        #expect(height >= 20 && width >= 10)
        #expect(try svg.yTicks().map(\.label) == ["0", "1"])
        #expect(svg.elements("line", class: "x-axis").count == 1 && svg.elements("g", class: "x-tick").count == 2)
    }
}
