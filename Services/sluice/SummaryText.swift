import Foundation
import SluiceContracts

/// A job summary (``JobSummary``) as a few readable lines.
struct SummaryText {
    let summary: JobSummary

    init(_ summary: JobSummary) {
        self.summary = summary
    }

    /// The lines for a summary's JSON; nil when it is not a summary (then show it as it is).
    static func rendered(_ json: some Sequence<UInt8>) -> String? {
        (try? JSONDecoder().decode(JobSummary.self, from: Data(json))).map { SummaryText($0).rendered }
    }

    var rendered: String {
        var lines: [String] = []
        let records = summary.records
        lines.append("job \(summary.jobID): \(summary.status) in \(seconds(summary.processingTime)) (source \(summary.source), device \(summary.device ?? "-"))")
        lines.append("records: \(records.received) received, \(records.valid) valid, \(records.invalid) invalid, \(records.duplicates) duplicate ids; \(summary.recordsProcessed) processed at \(number(summary.throughputRecordsPerSecond)) records/s")
        let statistics = summary.statistics
        let constant = statistics.constantValues ? " (all values equal: z-scores are 0)" : ""
        lines.append("values: mean \(number(statistics.mean)), std \(number(statistics.std)), min \(number(statistics.min)), max \(number(statistics.max))\(constant)")
        if !summary.categories.isEmpty {
            lines.append("per category (z-scores):")
            lines.append("  category        count       mean        std        min        max  outliers")
            for category in summary.categories {
                let name = category.category.padding(toLength: 12, withPad: " ", startingAt: 0)
                let columns = [Double(category.count), category.mean, category.std, category.min, category.max].map { number($0).leftPadded(to: 10) }
                    + [number(Double(category.outliers)).leftPadded(to: 9)]
                lines.append("  \(name)\(columns.joined(separator: " "))")
            }
        }
        for stage in summary.stages {
            lines.append("stage \(stage.stage.padding(toLength: 9, withPad: " ", startingAt: 0)) worked \(seconds(stage.serviceSeconds)), queued \(seconds(stage.queueWaitSeconds))\(stage.device.map { " on \($0)" } ?? "")")
        }
        if let pipelines = summary.pipelines {
            let rdd = pipelines.rddSeconds.map { ", RDD \(seconds($0))" } ?? ""
            let agree = pipelines.agree.map { $0 ? "; results agree" : "; RESULTS DIFFER" } ?? ""
            let batched = pipelines.batchedJobs.map { " (one Spark job for \($0) jobs)" } ?? ""
            lines.append("spark: DataFrame \(seconds(pipelines.dataframeSeconds))\(rdd)\(batched)\(Self.faster(pipelines).map { "; \($0)" } ?? "")\(agree)")
        }
        let cost = summary.cost
        lines.append("cost: $\(number(cost.usd)) for \(seconds(cost.computeSeconds)) of compute ($\(number(cost.usdPerRecord)) per record)")
        return lines.joined(separator: "\n")
    }

    /// Which pipeline was faster and by how much ("RDD 7.6× faster"), from the pipeline
    /// times; nil when only one ran.
    static func faster(_ pipelines: JobSummary.Pipelines) -> String? {
        guard let rdd = pipelines.rddSeconds, pipelines.dataframeSeconds > 0, rdd > 0 else { return nil }
        let dataframe = pipelines.dataframeSeconds
        let (winner, ratio) = rdd < dataframe ? ("RDD", dataframe / rdd) : ("DataFrame", rdd / dataframe)
        return ratio < 1.05 ? "both about as fast" : "\(winner) \(String(format: "%.1f", ratio))× faster"
    }

    private func seconds(_ value: Double?) -> String {
        guard let value else { return "-" }
        return String(format: "%.3f s", value)
    }

    private func number(_ value: Double?) -> String {
        guard let value else { return "-" }
        if value == value.rounded() && abs(value) < 1e15 { return "\(Int(value))" }
        return String(format: abs(value) < 1e-3 ? "%.3g" : "%.4f", value)
    }
}
