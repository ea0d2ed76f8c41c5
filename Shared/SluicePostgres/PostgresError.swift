import Foundation
import SluiceCore

/// An error from SluicePostgres: what went wrong (``code``), the server's SQLSTATE and
/// message when the server reported it, and the statement it happened in.
///
/// The context is a statement name or the first line of the SQL text, never the
/// values bound to it, so errors can be logged without leaking data.
public struct PostgresError: Error, Sendable, CustomStringConvertible {
    /// What kind of failure this is.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        public let description: String

        private init(_ description: String) {
            self.description = description
        }

        /// A connection could not be opened (within the connect timeout).
        public static let connectionFailed = Code("connectionFailed")
        /// The connection broke while in use; a write in flight may or may not have committed.
        public static let connectionLost = Code("connectionLost")
        /// The server refused the statement; see ``PostgresError/sqlState``.
        public static let serverError = Code("serverError")
        /// A column value could not be decoded into the requested Swift type.
        public static let decodingFailed = Code("decodingFailed")
        /// A value cannot be sent to the server (PostgreSQL text cannot hold NUL).
        public static let encodingFailed = Code("encodingFailed")
        /// The server answered in a way the call did not expect (for example, no COPY state).
        public static let unexpectedResponse = Code("unexpectedResponse")
        /// The connection was used in a way it does not support (for example, a nested transaction).
        public static let misuse = Code("misuse")
        /// The pool has shut down and hands out no more connections.
        public static let poolShutDown = Code("poolShutDown")
        /// A configuration value is malformed.
        public static let invalidConfiguration = Code("invalidConfiguration")
        /// A migration file is misnamed, unreadable, or was changed after it was applied.
        public static let invalidMigration = Code("invalidMigration")
    }

    /// What kind of failure this is.
    public var code: Code
    /// The five-character SQLSTATE the server reported (for example `23505`), if any.
    public var sqlState: String?
    /// The server's primary message, or a description of the local failure.
    public var message: String
    /// The server's DETAIL line, if any.
    public var detail: String?
    /// The server's HINT line, if any.
    public var hint: String?
    /// The statement name or the first line of its SQL; never parameter values.
    public var context: String?

    /// Creates an error; SluicePostgres creates these, callers usually only read them.
    public init(
        code: Code,
        message: String,
        sqlState: String? = nil,
        detail: String? = nil,
        hint: String? = nil,
        context: String? = nil
    ) {
        self.code = code
        self.message = message
        self.sqlState = sqlState
        self.detail = detail
        self.hint = hint
        self.context = context
    }

    /// True for SQLSTATE 23505: a unique or primary-key constraint refused a duplicate.
    public var isUniqueViolation: Bool { sqlState == "23505" }

    /// True for SQLSTATE 40001 and 40P01: the transaction lost a serialization race or a
    /// deadlock and can be retried as a whole.
    public var isTransient: Bool { sqlState == "40001" || sqlState == "40P01" }

    public var description: String {
        var text = "PostgreSQL \(code)"
        if let sqlState { text += " [\(sqlState)]" }
        text += ": \(message)"
        if let detail { text += " (detail: \(detail))" }
        if let hint { text += " (hint: \(hint))" }
        if let context { text += " in: \(context)" }
        return text
    }
}

extension PostgresError {
    /// The first line of `sql` that is not blank or a `--` comment, shortened, as error context.
    static func context(ofSQL sql: String) -> String {
        let lines = sql.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }
        let line = lines.first { !$0.isEmpty && !$0.hasPrefix("--") } ?? ""
        return line.count > 120 ? String(line.prefix(120)) + "…" : line
    }
}

extension PostgresError: SettingProblem {
    /// The message of an ``Code/invalidConfiguration`` error, which names the setting.
    public var settingProblem: String? { code == .invalidConfiguration ? message : nil }
}
