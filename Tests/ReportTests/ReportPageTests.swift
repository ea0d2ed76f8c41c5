import Foundation
import SluiceCore
import Testing
@testable import sluice

@Suite struct ReportPageTests {
    static let start = Date(timeIntervalSince1970: 1_796_000_000)

    /// A report of every section, the cost one spread over four orders of magnitude.
    static let report = JobReport(
        since: start, generatedAt: start.addingTimeInterval(3_600),
        statuses: [.init(status: "completed", jobs: 9), .init(status: "failed", jobs: 1)],
        pipelines: [.init(bucket: "1: under 1k", jobs: 6, meanRDDSeconds: 2.4, meanDataFrameSeconds: 1.1)],
        stages: [
            .init(stage: "validate", attempts: 10, meanQueueWaitSeconds: 0.02, meanServiceSeconds: 0.15, p95ServiceSeconds: 0.3),
            .init(stage: "spark", attempts: 9, meanQueueWaitSeconds: 0.4, meanServiceSeconds: 6.5, p95ServiceSeconds: 9),
        ],
        throughput: [.init(bucketStart: start, jobs: 9, records: 12_000, recordsPerSecond: 840)],
        throughputBucket: "hour",
        costs: [
            .init(bucket: "1: under 1k", jobs: 6, totalUSD: 0.004, meanUSDPerRecord: 1.1459e-6),
            .init(bucket: "3: 10k-100k", jobs: 3, totalUSD: 0.001, meanUSDPerRecord: 0.0002e-6),
        ],
        failures: [.init(cause: "invalid_data", failed: 1, retried: 0, example: "a <b> & 'c'")],
        latencies: [0.8, 1.2, 1.3, 2.5, 3, 4.1, 9, 30, 95]
    )

    /// Each chart of the page, by the id of the section that holds it.
    static func charts(_ page: String) throws -> [String: ParsedSVG] {
        var charts: [String: ParsedSVG] = [:]
        for section in page.components(separatedBy: "<h2 id=\"").dropFirst() {
            let id = String(section.prefix { $0 != "\"" })
            guard let open = section.range(of: "<svg "), let close = section.range(of: "</svg>") else { continue }
            charts[id] = try ParsedSVG(String(section[open.lowerBound..<close.upperBound]))
        }
        return charts
    }

    @Test func everySectionHasItsChart() throws {
        let page = ReportPage.render(Self.report)
        let charts = try Self.charts(page)
        #expect(Set(charts.keys) == ["rdd-vs-dataframe", "stage-latency", "latency", "throughput", "cost", "failures"])
        #expect(!page.contains("<script") && !page.contains("<link") && page.range(of: #"(src|href)=""#, options: .regularExpression) == nil, "nothing to fetch")
        #expect(page.contains("a &lt;b&gt; &amp; &#39;c&#39;"))
        #expect(try #require(charts["cost"]).yCaption()?.contains("log scale") == true)
    }

    @Test func everyFillIsTheColourOfItsQuantity() throws {
        let charts = try Self.charts(ReportPage.render(Self.report))
        let palette = Set(ChartColor.allCases.map(\.hex))
        for (id, chart) in charts {
            for element in chart.elements("rect") + chart.elements("text") + chart.elements("line") + chart.elements("g") {
                if let fill = ParsedSVG.text(element, "fill") {
                    #expect(palette.contains(fill), "\(id): fill \(fill) is not a ChartColor")
                }
            }
        }
        let expected: [String: [String: ChartColor]] = [
            "stage-latency": ["queue wait": .wait, "service time": .work],
            "rdd-vs-dataframe": ["RDD": .rdd, "DataFrame": .dataframe],
            "failures": ["failed": .failed, "retried": .retry],
            "cost": ["USD per million records": .cost],
            "throughput": ["records per second": .throughput],
        ]
        for (id, colours) in expected {
            let bars = try #require(charts[id]).elements("rect", class: "bar")
            #expect(!bars.isEmpty)
            for bar in bars {
                let series = try #require(ParsedSVG.text(bar, "data-series"))
                #expect(ParsedSVG.text(bar, "fill") == colours[series]?.hex, "\(id): \(series) is not drawn in its colour")
            }
        }
        let latencyBars = try #require(charts["latency"]).elements("rect", class: "bar")
        #expect(!latencyBars.isEmpty && latencyBars.allSatisfy { ParsedSVG.text($0, "fill") == ChartColor.latency.hex })
        #expect(try latencyBars.map { try ParsedSVG.number($0, "data-count") }.reduce(0, +) == Double(Self.report.latencies.count))
    }

    @Test func anEmptyPeriodHasNoCharts() {
        let empty = JobReport(
            since: Self.start, generatedAt: Self.start, statuses: [], pipelines: [], stages: [], throughput: [],
            throughputBucket: "hour", costs: [], failures: [], latencies: []
        )
        let page = ReportPage.render(empty)
        #expect(!page.contains("<svg") && page.components(separatedBy: SVGCharts.empty()).count - 1 == 6)
    }
}
