import Foundation

/// A job summary (the analyzer's JSON) as a few readable lines.
struct SummaryText {
    let summary: [String: Any]

    init(_ summary: [String: Any]) {
        self.summary = summary
    }

    var rendered: String {
        var lines: [String] = []
        let records = summary["records"] as? [String: Any] ?? [:]
        lines.append("job \(text("job_id")): \(text("status")) in \(seconds(summary["processing_time"])) (source \(text("source")), device \(text("device")))")
        lines.append("records: \(records["received"] ?? "?") received, \(records["valid"] ?? "?") valid, \(records["invalid"] ?? "?") invalid, \(records["duplicates"] ?? "?") duplicate ids; \(text("records_processed")) processed at \(number(summary["throughput_records_per_second"])) records/s")
        if let statistics = summary["statistics"] as? [String: Any] {
            let constant = statistics["constant_values"] as? Bool == true ? " (all values equal: z-scores are 0)" : ""
            lines.append("values: mean \(number(statistics["mean"])), std \(number(statistics["std"])), min \(number(statistics["min"])), max \(number(statistics["max"]))\(constant)")
        }
        let categories = summary["categories"] as? [[String: Any]] ?? []
        if !categories.isEmpty {
            lines.append("per category (z-scores):")
            lines.append("  category        count       mean        std        min        max  outliers")
            for category in categories {
                let name = "\(category["category"] ?? "?")".padding(toLength: 12, withPad: " ", startingAt: 0)
                let columns = ["count", "mean", "std", "min", "max", "outliers"].map { key in
                    number(category[key]).leftPadded(to: key == "outliers" ? 9 : 10)
                }
                lines.append("  \(name)\(columns.joined(separator: " "))")
            }
        }
        for stage in summary["stages"] as? [[String: Any]] ?? [] {
            lines.append("stage \("\(stage["stage"] ?? "?")".padding(toLength: 9, withPad: " ", startingAt: 0)) worked \(seconds(stage["service_seconds"])), queued \(seconds(stage["queue_wait_seconds"]))\(stage["device"].map { " on \($0)" } ?? "")")
        }
        if let pipelines = summary["pipelines"] as? [String: Any] {
            let rdd = pipelines["rdd_seconds"].map { ", RDD \(seconds($0))" } ?? ""
            let agree = (pipelines["agree"] as? Bool).map { $0 ? "; results agree" : "; RESULTS DIFFER" } ?? ""
            let batched = pipelines["batched_jobs"].map { " (one Spark job for \($0) jobs)" } ?? ""
            lines.append("spark: DataFrame \(seconds(pipelines["dataframe_seconds"]))\(rdd)\(batched)\(Self.faster(pipelines).map { "; \($0)" } ?? "")\(agree)")
        }
        if let cost = summary["cost"] as? [String: Any] {
            lines.append("cost: $\(number(cost["usd"])) for \(seconds(cost["compute_seconds"])) of compute ($\(number(cost["usd_per_record"])) per record)")
        }
        return lines.joined(separator: "\n")
    }

    /// Which pipeline was faster and by how much ("RDD 7.6× faster"), from the pipeline
    /// times; nil when only one ran.
    static func faster(_ pipelines: [String: Any]) -> String? {
        guard let dataframe = pipelines["dataframe_seconds"] as? Double, let rdd = pipelines["rdd_seconds"] as? Double,
            dataframe > 0, rdd > 0
        else { return nil }
        let (winner, ratio) = rdd < dataframe ? ("RDD", dataframe / rdd) : ("DataFrame", rdd / dataframe)
        return ratio < 1.05 ? "both about as fast" : "\(winner) \(String(format: "%.1f", ratio))× faster"
    }

    private func text(_ key: String) -> String { summary[key].map { "\($0)" } ?? "-" }

    private func seconds(_ value: Any?) -> String {
        guard let value = value as? Double else { return "-" }
        return String(format: "%.3f s", value)
    }

    private func number(_ value: Any?) -> String {
        switch value {
        case let value as Int: "\(value)"
        case let value as Double where value == value.rounded() && abs(value) < 1e15: "\(Int(value))"
        case let value as Double: String(format: abs(value) < 1e-3 ? "%.3g" : "%.4f", value)
        default: "-"
        }
    }
}
