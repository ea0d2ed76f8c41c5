import Foundation
import SluiceCore

/// What the report's inline SVG charts share, so a report is one self-contained file:
/// the drawing area, the y axis with its ticks, the legend, and escaping (every text is
/// escaped). Every colour is a ``ChartColor``: one colour per quantity, as on the dashboard.
enum SVGCharts {
    /// One quantity drawn in a chart: its name in the legend and its colour.
    struct Series: Sendable {
        let name: String
        let color: ChartColor
    }

    /// Where a chart of `width` × `height` draws its data: room on the left for the y
    /// axis's tick labels and caption, above for the legend, below for the x labels.
    struct Plot: Sendable {
        let width: Int
        let height: Int
        var left: Double { 64 }
        var right: Double { Double(width) - 12 }
        var top: Double { 30 }
        var bottom: Double { Double(height) - 40 }

        /// The y of a point `fraction` (0 to 1) of the way up the plot.
        func y(_ fraction: Double) -> Double { bottom - (bottom - top) * fraction }

        /// The x of a point `fraction` (0 to 1) of the way across the plot.
        func x(_ fraction: Double) -> Double { left + (right - left) * fraction }
    }

    /// The opening tag of a chart of `plot`'s size, named `title` for screen readers.
    static func open(_ plot: Plot, title: String) -> String {
        #"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 \#(plot.width) \#(plot.height)" width="\#(plot.width)" height="\#(plot.height)" role="img" aria-label="\#(escape(title))">"#
    }

    /// The y axis of `scale` on the left of `plot`: a tick, a grid line and a label at each
    /// of the scale's ticks, and the caption (`unit`, saying "log scale" when it is one)
    /// along the axis. Drawn before the data, so the grid lies under it.
    static func yAxis(_ scale: ChartScale, unit: String, plot: Plot) -> String {
        var svg = #"<g class="y-axis" data-scale="\#(scale.kind == .log ? "log" : "linear")" font-size="10">"#
        for tick in scale.ticks {
            let y = plot.y(scale.fraction(tick.value))
            svg += #"<g class="tick"><line x1="\#(f(plot.left - 4))" y1="\#(f(y))" x2="\#(f(plot.right))" y2="\#(f(y))" stroke="gainsboro"/>"#
            svg += #"<text x="\#(f(plot.left - 6))" y="\#(f(y + 3.5))" text-anchor="end">\#(escape(tick.label))</text></g>"#
        }
        svg += #"<line x1="\#(f(plot.left))" y1="\#(f(plot.top))" x2="\#(f(plot.left))" y2="\#(f(plot.bottom))" stroke="gray"/>"#
        let middle = (plot.top + plot.bottom) / 2
        svg += #"<text class="caption" x="12" y="\#(f(middle))" transform="rotate(-90 12 \#(f(middle)))" text-anchor="middle" font-size="11">\#(escape(scale.caption(unit)))</text>"#
        return svg + "</g>"
    }

    /// The x axis's line along the bottom of `plot`.
    static func xAxis(_ plot: Plot) -> String {
        #"<line class="x-axis" x1="\#(f(plot.left))" y1="\#(f(plot.bottom))" x2="\#(f(plot.right))" y2="\#(f(plot.bottom))" stroke="gray"/>"#
    }

    /// A swatch and the name of each series, in a row above `plot`.
    static func legend(_ series: [Series], plot: Plot) -> String {
        var svg = ""
        var offset = plot.left
        for entry in series {
            svg += #"<rect class="swatch" x="\#(f(offset))" y="5" width="10" height="10" fill="\#(entry.color.hex)"/>"#
            svg += #"<text x="\#(f(offset + 14))" y="14" font-size="11">\#(escape(entry.name))</text>"#
            offset += 24 + Double(entry.name.count) * 6.5
        }
        return svg
    }

    /// What a section shows instead of a chart when it has nothing to draw.
    static func empty() -> String {
        #"<p class="empty">No data in this period.</p>"#
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

    /// A coordinate, to a tenth of a pixel.
    static func f(_ value: Double) -> String { String(format: "%.1f", value) }
}
