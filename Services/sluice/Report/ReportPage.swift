import Foundation
import SluiceCore

/// A ``JobReport`` as one self-contained HTML page: inline CSS and SVG charts, no
/// script, nothing fetched from anywhere, so it can be mailed or archived as it is.
enum ReportPage {
    static func render(_ report: JobReport) -> String {
        let e = SVGCharts.escape
        let total = report.statuses.map(\.jobs).reduce(0, +)
        let period = "\(timestamp(report.since)) to \(timestamp(report.generatedAt))"
        var html = """
            <!doctype html>
            <html lang="en"><head><meta charset="utf-8"><title>Sluice report, \(e(period))</title>
            <style>
            body { font: 14px/1.45 system-ui, "DejaVu Sans", sans-serif; margin: 2em auto; max-width: 60em; color: #222; padding: 0 1em; }
            h1 { font-size: 1.6em; margin-bottom: 0.2em; } h2 { font-size: 1.2em; margin-top: 2em; border-bottom: 1px solid #ddd; }
            table { border-collapse: collapse; margin: 0.8em 0; } td, th { padding: 0.25em 0.8em; border-bottom: 1px solid #eee; text-align: right; }
            th:first-child, td:first-child { text-align: left; } .muted, .empty { color: #777; } svg { max-width: 100%; height: auto; }
            .tiles { display: flex; gap: 1em; flex-wrap: wrap; } .tile { border: 1px solid #ddd; border-radius: 6px; padding: 0.5em 1em; }
            .tile b { display: block; font-size: 1.4em; }
            </style></head><body>
            <h1>Sluice job report</h1>
            <p class="muted">Jobs submitted from \(e(period)) (UTC), read from the job-history schema.</p>

            """
        html += "<div class=\"tiles\" id=\"totals\">"
        html += tile("jobs", "\(total)")
        for status in report.statuses { html += tile(status.status, "\(status.jobs)") }
        html += tile("records completed", "\(report.throughput.map(\.records).reduce(0, +))")
        html += tile("cost", String(format: "$%.6f", report.costs.map(\.totalUSD).reduce(0, +)))
        html += "</div>\n"

        html += section("rdd-vs-dataframe", "RDD vs DataFrame time by dataset size", """
            Mean Spark time of each pipeline per job, by the job's record count; a speedup above 1 means the DataFrame pipeline was faster.
            """)
        html += BarChart.render(
            report.pipelines.map { .init(label: label($0.bucket), values: [$0.meanRDDSeconds, $0.meanDataFrameSeconds]) },
            series: [.init(name: "RDD", color: .rdd), .init(name: "DataFrame", color: .dataframe)], unit: "seconds", format: seconds,
            title: "Mean Spark time per job of each pipeline, by dataset size"
        )
        html += table(["dataset size", "jobs", "RDD", "DataFrame", "speedup"], report.pipelines.map {
            [label($0.bucket), "\($0.jobs)", seconds($0.meanRDDSeconds), seconds($0.meanDataFrameSeconds), String(format: "%.2f×", $0.meanRDDSeconds / max($0.meanDataFrameSeconds, 1e-12))]
        })

        html += section("stage-latency", "Stage latency", "Mean queue wait and service time of each stage's succeeded attempts.")
        html += BarChart.render(
            report.stages.map { .init(label: $0.stage, values: [$0.meanQueueWaitSeconds, $0.meanServiceSeconds]) },
            series: [.init(name: "queue wait", color: .wait), .init(name: "service time", color: .work)], unit: "seconds", format: seconds,
            title: "Mean queue wait and service time of each stage"
        )
        html += table(["stage", "attempts", "mean queue wait", "mean service time", "p95 service time"], report.stages.map {
            [$0.stage, "\($0.attempts)", seconds($0.meanQueueWaitSeconds), seconds($0.meanServiceSeconds), seconds($0.p95ServiceSeconds)]
        })

        html += section("latency", "Job latency", """
            How long the completed jobs took from being accepted to finishing, queue waits included; \
            dashed lines mark the 50th, 95th and 99th percentiles.
            """)
        if let distribution = LatencyDistribution(latencies: report.latencies) {
            html += Histogram.render(distribution, format: seconds, title: "Distribution of the completed jobs' latency")
            html += table(["completed jobs", "p50", "p95", "p99"], [
                ["\(distribution.count)", seconds(distribution.p50), seconds(distribution.p95), seconds(distribution.p99)],
            ])
        } else {
            html += SVGCharts.empty()
        }

        html += section("throughput", "Throughput", "Records per second of the jobs completed in each \(report.throughputBucket) (records over their end-to-end time).")
        html += BarChart.render(
            report.throughput.map { .init(label: bucketLabel($0.bucketStart, report.throughputBucket), values: [$0.recordsPerSecond]) },
            series: [.init(name: "records per second", color: .throughput)], unit: "records/s", format: rate,
            title: "Records per second of the jobs completed in each \(report.throughputBucket)"
        )
        html += table([report.throughputBucket, "jobs", "records", "records/s"], report.throughput.map {
            [bucketLabel($0.bucketStart, report.throughputBucket), "\($0.jobs)", "\($0.records)", rate($0.recordsPerSecond)]
        })

        html += section("cost", "Cost per record", "The analyzer's estimate (SLUICE_PRICE_* settings), completed jobs, by dataset size.")
        html += BarChart.render(
            report.costs.map { .init(label: label($0.bucket), values: [$0.meanUSDPerRecord * 1e6]) },
            series: [.init(name: "USD per million records", color: .cost)], unit: "USD per million records", format: { String(format: "$%.3g", $0) },
            title: "Mean cost per million records, by dataset size"
        )
        html += table(["dataset size", "jobs", "total", "per record"], report.costs.map {
            [label($0.bucket), "\($0.jobs)", String(format: "$%.6f", $0.totalUSD), String(format: "$%.3e", $0.meanUSDPerRecord)]
        })

        html += section("failures", "Failures by cause", "Stage attempts that failed their job, or failed and were retried, by cause.")
        html += BarChart.render(
            report.failures.map { .init(label: $0.cause, values: [Double($0.failed), Double($0.retried)]) },
            series: [.init(name: "failed", color: .failed), .init(name: "retried", color: .retry)], unit: "attempts", format: { String(Int($0)) },
            wholeNumbers: true, title: "Failed and retried stage attempts by cause"
        )
        html += table(["cause", "failed", "retried", "example"], report.failures.map { [$0.cause, "\($0.failed)", "\($0.retried)", $0.example ?? ""] })
        return html + "<p class=\"muted\">Generated by <code>sluice report</code> at \(e(timestamp(report.generatedAt))).</p>\n</body></html>\n"
    }

    private static func section(_ id: String, _ title: String, _ note: String) -> String {
        "<h2 id=\"\(id)\">\(SVGCharts.escape(title))</h2>\n<p class=\"muted\">\(SVGCharts.escape(note))</p>\n"
    }

    private static func tile(_ name: String, _ value: String) -> String {
        "<div class=\"tile\"><b>\(SVGCharts.escape(value))</b>\(SVGCharts.escape(name))</div>"
    }

    private static func table(_ header: [String], _ rows: [[String]]) -> String {
        guard !rows.isEmpty else { return "" }
        let head = header.map { "<th>\(SVGCharts.escape($0))</th>" }.joined()
        let body = rows.map { "<tr>" + $0.map { "<td>\(SVGCharts.escape($0))</td>" }.joined() + "</tr>" }.joined(separator: "\n")
        return "<table><thead><tr>\(head)</tr></thead><tbody>\n\(body)\n</tbody></table>\n"
    }

    /// "2: 1k-10k" → "1k-10k": the number only orders the buckets.
    private static func label(_ bucket: String) -> String {
        String(bucket.drop { $0 != " " }.dropFirst())
    }

    private static func seconds(_ value: Double) -> String {
        value < 1 ? String(format: "%.0f ms", value * 1000) : String(format: "%.2f s", value)
    }

    private static func rate(_ value: Double) -> String { String(format: "%.0f", value) }

    private static func timestamp(_ date: Date) -> String {
        date.formatted(Date.ISO8601FormatStyle(timeZone: .gmt).year().month().day().time(includingFractionalSeconds: false).timeSeparator(.colon).dateTimeSeparator(.space))
    }

    private static func bucketLabel(_ date: Date, _ width: String) -> String {
        let text = timestamp(date)
        return width == "day" ? String(text.prefix(10)) : String(text.dropFirst(5).prefix(11))
    }
}
