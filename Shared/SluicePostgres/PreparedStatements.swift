import CLibPQ

/// The statements one session has prepared, by SQL text and parameter types, so that
/// a statement run again and again (the stages' claims, completions and metrics) is
/// parsed once per session and, after a few runs, planned once too, instead of on
/// every call.
///
/// Names are never reused: a statement forgotten after an error that leaves its
/// prepared plan unusable is prepared again under a new name. Past ``capacity``
/// distinct statements (SQL built from many filter combinations), the rest run
/// unprepared.
struct PreparedStatements {
    /// A statement's identity: its text and the types of its parameters.
    struct Key: Hashable {
        let sql: String
        let types: [Oid]
    }

    static let capacity = 256
    private var names: [Key: String] = [:]
    private var prepared = 0

    /// The name `key` was prepared under, if it was.
    func name(of key: Key) -> String? { names[key] }

    /// Whether no more statements are prepared in this session.
    var isFull: Bool { names.count >= Self.capacity }

    /// Reserves a fresh name for `key`; ``forget(_:)`` it if preparing fails.
    mutating func reserveName(for key: Key) -> String {
        prepared += 1
        let name = "sluice_\(prepared)"
        names[key] = name
        return name
    }

    /// Drops `key`, so that its next run prepares it again under a new name.
    mutating func forget(_ key: Key) {
        names[key] = nil
    }

    /// Whether a prepared statement that failed with `error` must be prepared again: it
    /// no longer exists in the session (26000), or a table changed under it (0A000,
    /// "cached plan must not change result type").
    static func invalidates(_ error: PostgresError) -> Bool {
        error.sqlState == "26000" || error.sqlState == "0A000"
    }
}
