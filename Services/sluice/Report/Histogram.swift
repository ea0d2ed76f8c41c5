import Foundation
import SluiceCore

/// A ``LatencyDistribution`` as a histogram: one bar per bucket, as wide as the bucket on
/// an x axis of seconds (logarithmic when the buckets are log-spaced), as tall as its
/// count of jobs, with a dashed line at each of the 50th, 95th and 99th percentiles.
enum Histogram {
    /// The chart of `distribution`; `format` writes seconds for tooltips and markers.
    static func render(_ distribution: LatencyDistribution, format: (Double) -> String, title: String, width: Int = 640, height: Int = 260) -> String {
        let f = SVGCharts.f, e = SVGCharts.escape
        let plot = SVGCharts.Plot(width: width, height: height)
        let counts = ChartScale.fitting(distribution.buckets.map { Double($0.count) }, allowsLog: false, wholeNumbers: true)
        let edges = distribution.buckets.map(\.lower) + [distribution.buckets[distribution.buckets.count - 1].upper]
        let seconds = ChartScale(kind: distribution.logSpaced ? .log : .linear, lower: edges[0], upper: edges[edges.count - 1], ticks: edges)
        let x = { plot.x(seconds.fraction($0)) }
        var svg = SVGCharts.open(plot, title: title)
        svg += SVGCharts.legend([.init(name: "completed jobs", color: .latency)], plot: plot)
        svg += SVGCharts.yAxis(counts, unit: "jobs", plot: plot)
        for bucket in distribution.buckets {
            let top = plot.y(counts.fraction(Double(bucket.count)))
            svg += #"<rect class="bar" data-count="\#(bucket.count)" x="\#(f(x(bucket.lower) + 0.5))" y="\#(f(top))" width="\#(f(max(x(bucket.upper) - x(bucket.lower) - 1, 1)))" height="\#(f(plot.bottom - top))" fill="\#(ChartColor.latency.hex)">"#
            svg += #"<title>\#(e(format(bucket.lower))) to \#(e(format(bucket.upper))): \#(bucket.count) jobs</title></rect>"#
        }
        svg += SVGCharts.xAxis(plot)
        // Every edge labelled while they fit, else every other one (or every third, …).
        let labelEvery = max(1, (seconds.ticks.count + 10) / 11)
        for (index, tick) in seconds.ticks.enumerated() where index % labelEvery == 0 {
            svg += #"<g class="x-tick"><line x1="\#(f(x(tick.value)))" y1="\#(f(plot.bottom))" x2="\#(f(x(tick.value)))" y2="\#(f(plot.bottom + 4))" stroke="gray"/>"#
            svg += #"<text x="\#(f(x(tick.value)))" y="\#(f(plot.bottom + 15))" text-anchor="middle" font-size="10">\#(e(tick.label))</text></g>"#
        }
        svg += #"<text class="caption" x="\#(f((plot.left + plot.right) / 2))" y="\#(f(plot.bottom + 32))" text-anchor="middle" font-size="11">\#(e(seconds.caption("job latency, seconds")))</text>"#
        // Percentile labels one above another, so that close percentiles stay readable.
        for (row, (name, value)) in [("p50", distribution.p50), ("p95", distribution.p95), ("p99", distribution.p99)].enumerated() {
            let at = x(value)
            svg += #"<g class="percentile" data-name="\#(name)"><line x1="\#(f(at))" y1="\#(f(plot.top))" x2="\#(f(at))" y2="\#(f(plot.bottom))" stroke="dimgray" stroke-dasharray="4 3"/>"#
            // Labels right of their line, or left of it in the right half, to stay inside.
            let (labelX, anchor) = at > (plot.left + plot.right) / 2 ? (at - 3, "end") : (at + 3, "start")
            svg += #"<text x="\#(f(labelX))" y="\#(f(plot.top + 10 + Double(row) * 12))" text-anchor="\#(anchor)" font-size="10">\#(name) \#(e(format(value)))</text></g>"#
        }
        return svg + "</svg>"
    }
}
