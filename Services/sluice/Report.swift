import ArgumentParser
import Foundation
import Logging
import SluicePostgres

extension Sluice {
    /// `sluice report --since 7d --out report.html`: the job history as a self-contained HTML report.
    struct Report: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write a self-contained HTML report of the job history (reads SLUICE_DATABASE_URL).",
            discussion: """
                Sections: totals by status; RDD vs DataFrame time by dataset size; stage latency (queue wait and
                service time); job latency (a histogram of the completed jobs' accepted-to-finished time, with
                p50, p95 and p99); throughput over time; cost per record; failures by cause. Charts are inline
                SVG with a y axis of round ticks, logarithmic (and captioned "log scale") where the values span
                more than two orders of magnitude: the file needs nothing else to be read, mailed or archived.

                Examples:
                  sluice report --since 7d --out report.html
                  sluice report --since 2026-11-01T00:00:00Z --out november.html
                  sluice report --since 12h --out - | gzip > today.html.gz

                Exit status: 0 written; 1 the file could not be written; 64 a bad option; 69 the database cannot be reached.
                """
        )

        @Option(name: .long, help: "Jobs submitted since: a duration back from now (30m, 12h, 7d) or an ISO 8601 time.")
        var since: String = "7d"

        @Option(name: .long, help: "The HTML file to write ('-' for standard output).")
        var out: String = "report.html"

        func run() async throws {
            let start = try Self.start(of: since)
            var logger = Logger(label: "sluice.report")
            logger.logLevel = .warning
            let pool = PostgresPool(configuration: try PostgresConfiguration(environment: ProcessInfo.processInfo.environment), logger: logger)
            let report = try await JobReport.read(from: pool, since: start)
            let page = Data(ReportPage.render(report).utf8)
            if out == "-" {
                FileHandle.standardOutput.write(page)
            } else {
                try page.write(to: URL(fileURLWithPath: out), options: .atomic)
                print("wrote \(out): \(report.statuses.map(\.jobs).reduce(0, +)) jobs since \(start.formatted(.iso8601))")
            }
        }

        /// `7d`, `12h`, `30m` back from `now`, or an ISO 8601 time.
        static func start(of text: String, now: Date = Date()) throws -> Date {
            if let unit = text.last, let amount = Double(text.dropLast()), amount >= 0,
               let seconds = ["m": 60.0, "h": 3_600, "d": 86_400, "w": 604_800][String(unit)] {
                return now.addingTimeInterval(-amount * seconds)
            }
            if let date = try? Date(text, strategy: .iso8601) { return date }
            throw ValidationError("--since \(text): expected a duration such as 30m, 12h, 7d, 2w, or an ISO 8601 time such as 2026-11-01T00:00:00Z")
        }
    }
}
