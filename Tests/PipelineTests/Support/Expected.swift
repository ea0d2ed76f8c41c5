import Foundation

/// What a job's summary must say, computed here from the raw records, independently
/// of the services: the z-score with the population standard deviation, then per
/// category count, mean, min, max of the z-scores.
struct Expected {
    struct Category: Equatable {
        var count = 0
        var sum = 0.0
        var min = Double.infinity
        var max = -Double.infinity
        var mean: Double { sum / Double(count) }
    }

    let mean: Double
    let std: Double
    let categories: [String: Category]

    init(_ records: [(id: Int, value: Double, category: String)]) {
        let values = records.map(\.value)
        mean = values.reduce(0, +) / Double(values.count)
        let mean = mean
        std = (values.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(values.count)).squareRoot()
        var categories: [String: Category] = [:]
        for record in records {
            let z = std == 0 ? 0 : (record.value - mean) / std
            categories[record.category, default: Category()].count += 1
            categories[record.category]!.sum += z
            categories[record.category]!.min = Swift.min(categories[record.category]!.min, z)
            categories[record.category]!.max = Swift.max(categories[record.category]!.max, z)
        }
        self.categories = categories
    }

    /// Checks a summary's statistics and categories; returns the problems found.
    func problems(in summary: [String: Any], tolerance: Double = 1e-9) -> [String] {
        var problems: [String] = []
        let statistics = summary["statistics"] as? [String: Any] ?? [:]
        if abs((statistics["mean"] as? Double ?? .nan) - mean) > tolerance * Swift.max(1, abs(mean)) { problems.append("mean \(statistics["mean"] ?? "-") ≠ \(mean)") }
        if abs((statistics["std"] as? Double ?? .nan) - std) > tolerance * Swift.max(1, std) { problems.append("std \(statistics["std"] ?? "-") ≠ \(std)") }
        let reported = summary["categories"] as? [[String: Any]] ?? []
        if Set(reported.compactMap { $0["category"] as? String }) != Set(categories.keys) {
            problems.append("categories \(reported.compactMap { $0["category"] }) ≠ \(categories.keys.sorted())")
        }
        for row in reported {
            guard let name = row["category"] as? String, let expected = categories[name] else { continue }
            func check(_ key: String, _ value: Double) {
                let got = (row[key] as? Double) ?? (row[key] as? Int).map(Double.init) ?? .nan
                if abs(got - value) > tolerance * Swift.max(1, abs(value)) { problems.append("\(name).\(key) \(got) ≠ \(value)") }
            }
            check("count", Double(expected.count))
            check("mean", expected.mean)
            check("min", expected.min)
            check("max", expected.max)
        }
        return problems
    }
}
