import Foundation

/// Grouped bars over a y axis with round ticks: one group per label, one bar per series,
/// on a ``ChartScale`` fitted to the values (logarithmic where they span more than two
/// orders of magnitude). A single group is still a bar on its axes.
enum BarChart {
    /// One group of bars (one per series, in the series' order) under a label.
    struct Group: Sendable {
        let label: String
        let values: [Double]
    }

    /// At most this many bars have their value printed above them; more would overlap
    /// (every bar's value is in its tooltip).
    static let labelledBars = 24

    /// The chart of `groups`, each value shown with `format`; `unit` captions the y axis,
    /// and `wholeNumbers` (counts) keeps a linear axis's ticks whole.
    static func render(
        _ groups: [Group], series: [SVGCharts.Series], unit: String, format: (Double) -> String,
        wholeNumbers: Bool = false, title: String, width: Int = 640, height: Int = 240
    ) -> String {
        guard !groups.isEmpty else { return SVGCharts.empty() }
        let f = SVGCharts.f, e = SVGCharts.escape
        let plot = SVGCharts.Plot(width: width, height: height)
        let scale = ChartScale.fitting(groups.flatMap(\.values), wholeNumbers: wholeNumbers)
        let groupWidth = (plot.right - plot.left) / Double(groups.count)
        let barWidth = min(48, groupWidth * 0.8 / Double(max(series.count, 1)))
        let printsValues = groups.count * series.count <= labelledBars
        // At most about eight labels under the axis, however many groups there are.
        let labelEvery = max(1, (groups.count + 7) / 8)
        var svg = SVGCharts.open(plot, title: title) + SVGCharts.legend(series, plot: plot) + SVGCharts.yAxis(scale, unit: unit, plot: plot)
        for (index, group) in groups.enumerated() {
            let start = plot.left + Double(index) * groupWidth + (groupWidth - barWidth * Double(series.count)) / 2
            for (seriesIndex, (entry, value)) in zip(series, group.values).enumerated() {
                let x = start + Double(seriesIndex) * barWidth
                let top = plot.y(scale.fraction(value))
                svg += #"<rect class="bar" data-series="\#(e(entry.name))" x="\#(f(x + 1))" y="\#(f(top))" width="\#(f(max(barWidth - 2, 1)))" height="\#(f(plot.bottom - top))" fill="\#(entry.color.hex)">"#
                svg += #"<title>\#(e(group.label)), \#(e(entry.name)): \#(e(format(value)))</title></rect>"#
                if printsValues {
                    svg += #"<text x="\#(f(x + barWidth / 2))" y="\#(f(top - 3))" text-anchor="middle" font-size="10">\#(e(format(value)))</text>"#
                }
            }
            if index % labelEvery == 0 {
                svg += #"<text x="\#(f(plot.left + (Double(index) + 0.5) * groupWidth))" y="\#(f(plot.bottom + 16))" text-anchor="middle" font-size="11">\#(e(group.label))</text>"#
            }
        }
        return svg + SVGCharts.xAxis(plot) + "</svg>"
    }
}
