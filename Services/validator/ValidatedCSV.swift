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
            text += "\(record.id),\(record.value),\(CSVField.quoted(record.category))\n"
        }
        return Data(text.utf8)
    }
}
