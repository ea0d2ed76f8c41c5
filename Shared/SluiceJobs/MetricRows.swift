import SluiceContracts
import SluicePostgres

/// A stage's metrics as one JSON array of `{stage, name, value, unit}` rows, for a
/// single `INSERT … SELECT … FROM jsonb_to_recordset(…)`. Values travel as text, so
/// that NaN and infinities reach `double precision` as PostgreSQL spells them; a name
/// reported twice keeps its last value (as one `INSERT … ON CONFLICT` after another did).
struct MetricRows: PostgresEncodable {
    private struct Row: Encodable {
        let stage: String
        let name: String
        let value: String
        let unit: String
    }

    private let json: PostgresJSON

    init(_ metrics: [StageOutcome.Metric], stage: Stage) throws {
        var rows: [Row] = []
        var index: [String: Int] = [:]
        for metric in metrics {
            let row = Row(stage: metric.stage ?? stage.rawValue, name: metric.name, value: Self.text(metric.value), unit: metric.unit)
            let key = row.stage + "\u{0}" + row.name
            if let at = index[key] { rows[at] = row } else { index[key] = rows.count; rows.append(row) }
        }
        json = try PostgresJSON(rows)
    }

    static var postgresDataType: PostgresDataType { PostgresJSON.postgresDataType }
    var postgresText: String? { json.postgresText }

    private static func text(_ value: Double) -> String {
        if value.isNaN { return "NaN" }
        if value.isInfinite { return value > 0 ? "Infinity" : "-Infinity" }
        return "\(value)"
    }
}
