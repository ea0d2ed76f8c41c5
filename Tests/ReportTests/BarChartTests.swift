import Foundation
import SluiceCore
import Testing
@testable import sluice

@Suite struct BarChartTests {
    static let cost = [SVGCharts.Series(name: "USD per million records", color: .cost)]

    static func chart(_ values: [Double], series: [SVGCharts.Series] = cost, label: (Int) -> String = { "bucket \($0)" }) throws -> ParsedSVG {
        try ParsedSVG(BarChart.render(
            values.indices.map { BarChart.Group(label: label($0), values: [values[$0]]) },
            series: series, unit: "USD", format: { String($0) }, title: "test"
        ))
    }

    @Test func smallCostsAreVisibleNextToLargeOnesOnALogScale() throws {
        let svg = try Self.chart([1.1459, 0.0002, 0.0003, 0.0004])
        let bars = svg.elements("rect", class: "bar")
        #expect(bars.count == 4)
        for bar in bars {
            #expect(try ParsedSVG.number(bar, "height") >= 8, "a bar too thin to see: \(bar.xmlString)")
        }
        let heights = try bars.map { try ParsedSVG.number($0, "height") }
        #expect(heights[0] > heights[3] && heights[3] > heights[2] && heights[2] > heights[1])
        #expect(svg.yCaption()?.contains("log scale") == true)
        #expect(svg.elements("g", class: "y-axis").first.flatMap { ParsedSVG.text($0, "data-scale") } == "log")
    }

    @Test func aBarReachesTheTickOfItsValue() throws {
        for values in [[100, 1, 0.01], [10, 20, 40]] {
            let svg = try Self.chart(values)
            let ticks = try svg.yTicks()
            for bar in svg.elements("rect", class: "bar") {
                let value = try #require(svg.elements("title", under: bar).first?.stringValue?.split(separator: " ").last.flatMap { Double($0) })
                guard let tick = ticks.first(where: { Double($0.label) == value }) else { continue }
                #expect(abs(try ParsedSVG.number(bar, "y") - tick.y) <= 0.15, "the \(value) bar's top is not at its tick")
            }
            #expect(ticks.contains { Double($0.label) == values[1] }, "no tick at \(values[1]) in \(ticks.map(\.label))")
        }
    }

    @Test func ticksAreRoundAscendingAndPlacedUpwards() throws {
        for values in [[3.7, 12.2], [1.1459, 0.0002], [0.004, 0.0051]] {
            let svg = try Self.chart(values)
            let ticks = try svg.yTicks()
            let numbers = ticks.map { Double($0.label) }
            #expect(ticks.count >= 2 && numbers.allSatisfy { $0 != nil }, "\(ticks.map(\.label))")
            let labelled = numbers.compactMap { $0 }
            #expect(zip(labelled, labelled.dropFirst()).allSatisfy { $0 < $1 }, "labels not ascending: \(labelled)")
            #expect(zip(ticks, ticks.dropFirst()).allSatisfy { $0.y > $1.y }, "ticks not placed upwards: \(ticks)")
            if svg.yCaption()?.contains("log scale") == true {
                #expect(labelled.allSatisfy(isPowerOfTen))
            } else {
                #expect(labelled.first == 0 && isRoundStep(labelled[1] - labelled[0]))
                let step = labelled[1] - labelled[0]
                #expect(labelled.allSatisfy { abs(($0 / step).rounded() * step - $0) < step * 1e-6 }, "ticks off their step: \(labelled)")
            }
            // Every bar lies between the first and the last tick, as tall as its share of them.
            let bottom = try #require(ticks.first).y, top = try #require(ticks.last).y
            for bar in svg.elements("rect", class: "bar") {
                let (y, height) = (try ParsedSVG.number(bar, "y"), try ParsedSVG.number(bar, "height"))
                #expect(y >= top - 0.1 && y <= bottom && abs(y + height - bottom) <= 0.15)
            }
        }
    }

    @Test func aSingleGroupIsABarOnItsAxes() throws {
        let svg = try Self.chart([42.5], series: [.init(name: "records per second", color: .throughput)])
        let bars = svg.elements("rect", class: "bar")
        #expect(bars.count == 1)
        let (height, width) = (try ParsedSVG.number(bars[0], "height"), try ParsedSVG.number(bars[0], "width"))
        #expect(height >= 20 && width >= 10)
        #expect(try svg.yTicks().count >= 2 && svg.yCaption() == "USD")
        #expect(svg.elements("line", class: "x-axis").count == 1)
    }

    @Test func labelsAndNamesAreEscaped() throws {
        let rendered = BarChart.render(
            [.init(label: #"<script>"a" & 'b'</script>"#, values: [1])], series: [.init(name: "<i>", color: .ok)],
            unit: "a < b", format: { "\($0) & more" }, title: "x\"y"
        )
        #expect(!rendered.contains("<script") && !rendered.contains("<i>"))
        let svg = try ParsedSVG(rendered)
        #expect(svg.elements("text").contains { $0.stringValue == #"<script>"a" & 'b'</script>"# })
        #expect(svg.yCaption() == "a < b")
    }

    @Test func nothingToDrawSaysSo() {
        #expect(BarChart.render([], series: Self.cost, unit: "USD", format: { "\($0)" }, title: "test") == SVGCharts.empty())
    }
}
