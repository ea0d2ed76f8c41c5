import Foundation
import SluiceRecords

/// `validated.csv`: the records that passed, header `id,value,category`, RFC 4180
/// quoting where a category needs it, values in full round-trip precision.
enum ValidatedCSV {
    static let artifactName = "validated.csv"

    static func encode(_ records: [Record]) -> Data {
        var text = "id,value,category\n"
        text.reserveCapacity(records.count * 24)
        for record in records {
            text += "\(record.id),\(record.value),\(quoted(record.category))\n"
        }
        return Data(text.utf8)
    }

    private static func quoted(_ field: String) -> String {
        guard field.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return field }
        return "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
