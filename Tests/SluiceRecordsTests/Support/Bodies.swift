import Foundation
import SluiceRecords

/// Writes records in each submission format with encoders independent of the parser.
enum Bodies {
    static func json(_ records: [Record]) throws -> String {
        let data = try JSONEncoder().encode(["data": records])
        return String(decoding: data, as: UTF8.self)
    }

    static func ndjson(_ records: [Record]) throws -> String {
        let encoder = JSONEncoder()
        return try records.map { String(decoding: try encoder.encode($0), as: UTF8.self) + "\n" }.joined()
    }

    static func csv(_ records: [Record], lineBreak: String = "\n") -> String {
        (["id,value,category"] + records.map { "\($0.id),\($0.value),\(quoted($0.category))" })
            .map { $0 + lineBreak }
            .joined()
    }

    /// RFC 4180 quoting: a field with a comma, quote or line break is quoted, quotes doubled.
    static func quoted(_ field: String) -> String {
        guard field.contains(where: { $0 == "," || $0 == "\"" || $0.isNewline }) else { return field }
        return "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}

extension Bodies {
    /// A JSON object of string members, encoded by Foundation.
    static func jsonObject(_ members: [String: String]) throws -> String {
        String(decoding: try JSONEncoder().encode(members), as: UTF8.self)
    }
}
