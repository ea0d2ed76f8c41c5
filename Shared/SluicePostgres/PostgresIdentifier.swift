import Foundation

/// Quoting of SQL identifiers (schema, table, column and channel names) done in Swift,
/// for SQL that is assembled before any connection exists.
///
/// The rule is the one `PQescapeIdentifier` applies: wrap in double quotes and double any
/// double quote inside. PQescapeIdentifier also validates the client encoding, which
/// cannot fail here: Swift strings are valid UTF-8 and every session runs in UTF8.
enum PostgresIdentifier {
    static func quoted(_ name: String) -> String {
        "\"" + name.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
