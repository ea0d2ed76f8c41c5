import Foundation

/// Small charts as inline SVG, so a report is one self-contained file: grouped bar
/// charts and a line chart with labelled axes. Every text is escaped.
enum SVGCharts {
    /// One group of bars (one per series) under a label.
    struct Group {
        let label: String
        let values: [Double]
    }

    static let palette = ["#3867d6", "#f7b731", "#20bf6b", "#eb3b5a", "#8854d0"]

    /// Grouped bars: one group per `groups` entry, one bar per series in `series` order,
    /// the value printed above each bar with `format`.
    static func bars(_ groups: [Group], series: [String], format: (Double) -> String, width: Int = 640, height: Int = 240) -> String {
        guard !groups.isEmpty else { return empty() }
        let top = max(groups.flatMap(\.values).max() ?? 0, Double.leastNonzeroMagnitude)
        let plot = (left: 16.0, right: Double(width) - 16, top: 28.0, bottom: Double(height) - 36)
        let groupWidth = (plot.right - plot.left) / Double(groups.count)
        let barWidth = min(48, groupWidth * 0.8 / Double(max(series.count, 1)))
        var svg = header(width, height) + legend(series, x: plot.left, y: 14)
        for (index, group) in groups.enumerated() {
            let start = plot.left + Double(index) * groupWidth + (groupWidth - barWidth * Double(series.count)) / 2
            for (seriesIndex, value) in group.values.enumerated() {
                let barHeight = (plot.bottom - plot.top) * value / top
                let x = start + Double(seriesIndex) * barWidth
                svg += #"<rect x="\#(f(x))" y="\#(f(plot.bottom - barHeight))" width="\#(f(barWidth - 2))" height="\#(f(barHeight))" fill="\#(palette[seriesIndex % palette.count])"><title>\#(escape(series[seriesIndex])): \#(escape(format(value)))</title></rect>"#
                svg += #"<text x="\#(f(x + barWidth / 2))" y="\#(f(plot.bottom - barHeight - 3))" text-anchor="middle" font-size="10">\#(escape(format(value)))</text>"#
            }
            svg += #"<text x="\#(f(plot.left + (Double(index) + 0.5) * groupWidth))" y="\#(f(plot.bottom + 16))" text-anchor="middle" font-size="11">\#(escape(group.label))</text>"#
        }
        svg += #"<line x1="\#(f(plot.left))" y1="\#(f(plot.bottom))" x2="\#(f(plot.right))" y2="\#(f(plot.bottom))" stroke="gray"/>"#
        return svg + "</svg>"
    }

    /// A line through `points` (label on the x axis, value), with each value's dot titled.
    static func line(_ points: [(label: String, value: Double)], format: (Double) -> String, width: Int = 640, height: Int = 220) -> String {
        guard !points.isEmpty else { return empty() }
        let top = max(points.map(\.value).max() ?? 0, Double.leastNonzeroMagnitude)
        let plot = (left: 24.0, right: Double(width) - 24, top: 16.0, bottom: Double(height) - 36)
        let step = points.count > 1 ? (plot.right - plot.left) / Double(points.count - 1) : 0
        let coordinates = points.enumerated().map { index, point in
            (x: points.count > 1 ? plot.left + Double(index) * step : (plot.left + plot.right) / 2, y: plot.bottom - (plot.bottom - plot.top) * point.value / top)
        }
        var svg = header(width, height)
        svg += #"<polyline fill="none" stroke="\#(palette[0])" stroke-width="2" points="\#(coordinates.map { "\(f($0.x)),\(f($0.y))" }.joined(separator: " "))"/>"#
        // At most about eight labels under the axis, however many points there are.
        let labelEvery = max(1, points.count / 8)
        for (index, (point, at)) in zip(points, coordinates).enumerated() {
            svg += #"<circle cx="\#(f(at.x))" cy="\#(f(at.y))" r="3" fill="\#(palette[0])"><title>\#(escape(point.label)): \#(escape(format(point.value)))</title></circle>"#
            if index % labelEvery == 0 {
                svg += #"<text x="\#(f(at.x))" y="\#(f(plot.bottom + 16))" text-anchor="middle" font-size="10">\#(escape(point.label))</text>"#
            }
        }
        svg += #"<text x="\#(f(plot.left))" y="\#(f(plot.top - 4))" font-size="10">max \#(escape(format(top)))</text>"#
        svg += #"<line x1="\#(f(plot.left))" y1="\#(f(plot.bottom))" x2="\#(f(plot.right))" y2="\#(f(plot.bottom))" stroke="gray"/>"#
        return svg + "</svg>"
    }

    /// `text` safe inside HTML and SVG text and attributes.
    static func escape(_ text: String) -> String {
        var escaped = ""
        for character in text {
            switch character {
            case "&": escaped += "&amp;"
            case "<": escaped += "&lt;"
            case ">": escaped += "&gt;"
            case "\"": escaped += "&quot;"
            case "'": escaped += "&#39;"
            default: escaped.append(character)
            }
        }
        return escaped
    }

    private static func header(_ width: Int, _ height: Int) -> String {
        #"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 \#(width) \#(height)" width="\#(width)" height="\#(height)" role="img">"#
    }

    private static func legend(_ series: [String], x: Double, y: Double) -> String {
        var svg = ""
        var offset = x
        for (index, name) in series.enumerated() {
            svg += #"<rect x="\#(f(offset))" y="\#(f(y - 9))" width="10" height="10" fill="\#(palette[index % palette.count])"/>"#
            svg += #"<text x="\#(f(offset + 14))" y="\#(f(y))" font-size="11">\#(escape(name))</text>"#
            offset += 24 + Double(name.count) * 6.5
        }
        return svg
    }

    private static func empty() -> String {
        #"<p class="empty">No data in this period.</p>"#
    }

    private static func f(_ value: Double) -> String { String(format: "%.1f", value) }
}
