import CLibPQ
import Foundation
import Logging
import SluiceCore

/// One session with the server over libpq.
///
/// A connection lives on one thread: the pool or listener that owns it makes every
/// call on that thread, and it is neither `Sendable` nor ever shares its `PGconn`.
/// Every call blocks until the server answers; the configured statement timeout
/// bounds how long.
///
/// Values reach SQL only as bound parameters (``PostgresQuery``); the one exception,
/// ``executeScript(_:)``, exists for the migration files in the repository.
public final class PostgresConnection {
    /// Internal so the extensions in this module can call libpq; never leaves the module.
    let handle: OpaquePointer
    /// Held for the connection's lifetime: libpq keeps only an unretained pointer to it.
    private let notices: NoticeLogger
    let logger: Logger
    private var preparedStatements = PreparedStatements()

    private init(handle: OpaquePointer, logger: Logger) {
        self.handle = handle
        self.logger = logger
        notices = NoticeLogger(logger: logger)
        notices.install(on: handle)
    }

    deinit {
        PQfinish(handle)
        ConnectionObservation.observer?.connectionClosed(.database)
    }

    /// Opens a connection in one attempt; blocks for at most libpq's `connect_timeout`.
    static func open(_ parameters: ConnectionParameters, logger: Logger) throws -> PostgresConnection {
        let handle = parameters.withCArrays { keywords, values in PQconnectdbParams(keywords, values, 1) }
        guard let handle else {
            throw PostgresError(code: .connectionFailed, message: "libpq could not allocate a connection")
        }
        guard PQstatus(handle) == CONNECTION_OK else {
            let message = Self.errorMessage(of: handle)
            PQfinish(handle)
            ConnectionObservation.observer?.connectionAttempted(.database, opened: false)
            throw PostgresError(code: .connectionFailed, message: message)
        }
        ConnectionObservation.observer?.connectionAttempted(.database, opened: true)
        return PostgresConnection(handle: handle, logger: logger)
    }

    /// Runs one statement and returns its rows.
    ///
    /// - Throws: ``PostgresError``: ``PostgresError/Code/serverError`` with the SQLSTATE
    ///   when the server refuses it, ``PostgresError/Code/connectionLost`` when the
    ///   connection broke (a write may or may not have happened: do not retry it blindly).
    public func query(_ query: PostgresQuery) throws -> PostgresRows {
        try run(query) { PostgresRows(copying: $0) }
    }

    /// Runs one statement and returns how many rows it inserted, updated, deleted or
    /// copied (0 for statements that report no count).
    ///
    /// - Throws: ``PostgresError``, as ``query(_:)``.
    @discardableResult
    public func execute(_ query: PostgresQuery) throws -> Int {
        try run(query, Self.affectedRows)
    }

    /// Runs several `;`-separated statements without parameters: only for trusted SQL
    /// files kept in the repository, such as migrations. Never pass text that
    /// contains anything a user or a message supplied.
    ///
    /// - Throws: ``PostgresError`` for the first statement that fails; those before it
    ///   have run unless a transaction surrounds the call.
    public func executeScript(_ trustedSQL: String) throws {
        try simpleQuery(trustedSQL, context: PostgresError.context(ofSQL: trustedSQL))
    }

    // MARK: - Internals shared by the extensions

    /// PQexec: the simple-query protocol, which allows several statements and no parameters.
    func simpleQuery(_ sql: String, context: String) throws {
        guard !sql.containsNUL else {
            throw PostgresError(code: .encodingFailed, message: "the SQL text contains a NUL character", context: context)
        }
        try consume(PQexec(handle, sql), context: context) { _ in }
    }

    /// Quotes a schema, table, column or channel name with libpq's rules for this session.
    func quotedIdentifier(_ name: String) throws -> String {
        guard !name.containsNUL, let quoted = PQescapeIdentifier(handle, name, name.utf8.count) else {
            throw PostgresError(code: .encodingFailed, message: "cannot quote identifier: \(errorMessage)")
        }
        defer { PQfreemem(quoted) }
        return String(cString: quoted)
    }

    /// Whether the session is up, without a round trip. A server that shut down has
    /// sent a FATAL message and closed the socket: the first read takes the message,
    /// the second sees the end of the stream and marks the connection bad.
    func isAlive() -> Bool {
        PQconsumeInput(handle) == 1 && PQconsumeInput(handle) == 1 && PQstatus(handle) == CONNECTION_OK
    }

    var transactionStatus: PGTransactionStatusType { PQtransactionStatus(handle) }

    var errorMessage: String { Self.errorMessage(of: handle) }

    /// Takes ownership of a PGresult: checks its status, lets `read` copy what it needs,
    /// and clears it whatever happens.
    func consume<Result>(
        _ result: OpaquePointer?,
        context: String,
        _ read: (OpaquePointer) throws -> Result
    ) throws -> Result {
        guard let result else {
            throw PostgresError(code: isBroken ? .connectionLost : .unexpectedResponse, message: errorMessage, context: context)
        }
        defer { PQclear(result) }
        switch PQresultStatus(result) {
        case PGRES_COMMAND_OK, PGRES_TUPLES_OK, PGRES_EMPTY_QUERY:
            return try read(result)
        case PGRES_FATAL_ERROR, PGRES_NONFATAL_ERROR, PGRES_BAD_RESPONSE:
            throw serverError(result, context: context)
        case let status:
            // COPY states: the pool sees the session still busy and replaces it.
            throw PostgresError(
                code: .unexpectedResponse,
                message: "unexpected result status \(String(cString: PQresStatus(status)))",
                context: context
            )
        }
    }

    func serverError(_ result: OpaquePointer, context: String) -> PostgresError {
        func field(_ code: Int32) -> String? { PQresultErrorField(result, code).map { String(cString: $0) } }
        let fallback = String(cString: PQresultErrorMessage(result)).trimmingCharacters(in: .whitespacesAndNewlines)
        return PostgresError(
            code: isBroken ? .connectionLost : .serverError,
            message: field(DiagnosticField.messagePrimary) ?? (fallback.isEmpty ? errorMessage : fallback),
            sqlState: field(DiagnosticField.sqlState),
            detail: field(DiagnosticField.messageDetail),
            hint: field(DiagnosticField.messageHint),
            context: context
        )
    }

    var isBroken: Bool { PQstatus(handle) != CONNECTION_OK }

    static func affectedRows(_ result: OpaquePointer) -> Int {
        Int(String(cString: PQcmdTuples(result))) ?? 0
    }

    private func run<Result>(_ query: PostgresQuery, _ read: (OpaquePointer) throws -> Result) throws -> Result {
        let context = PostgresError.context(ofSQL: query.sql)
        guard !query.sql.containsNUL else {
            throw PostgresError(code: .encodingFailed, message: "the SQL text contains a NUL character", context: context)
        }
        if let index = query.bindings.firstIndex(where: { $0.text?.containsNUL == true }) {
            throw PostgresError(
                code: .encodingFailed,
                message: "parameter $\(index + 1) contains a NUL character, which PostgreSQL text cannot hold",
                context: context
            )
        }
        let types = query.bindings.map { Oid($0.dataType.oid) }
        let key = PreparedStatements.Key(sql: query.sql, types: types)
        let name = try prepare(key, context: context)
        let result = withCStrings(query.bindings.map(\.text)) { values in
            if let name {
                PQexecPrepared(handle, name, Int32(values.count), values, nil, nil, 0)
            } else {
                PQexecParams(handle, query.sql, Int32(values.count), types, values, nil, nil, 0)
            }
        }
        do {
            return try consume(result, context: context, read)
        } catch let error as PostgresError where name != nil && PreparedStatements.invalidates(error) {
            preparedStatements.forget(key)
            throw error
        }
    }

    /// The name `key` is prepared under in this session, preparing it first if needed;
    /// nil when the session prepares no more statements.
    private func prepare(_ key: PreparedStatements.Key, context: String) throws -> String? {
        if let name = preparedStatements.name(of: key) { return name }
        guard !preparedStatements.isFull else { return nil }
        let name = preparedStatements.reserveName(for: key)
        do {
            try consume(PQprepare(handle, name, key.sql, Int32(key.types.count), key.types), context: context) { _ in }
        } catch {
            preparedStatements.forget(key)
            throw error
        }
        return name
    }

    private static func errorMessage(of handle: OpaquePointer) -> String {
        String(cString: PQerrorMessage(handle)).trimmingCharacters(in: .whitespacesAndNewlines)
    }
}

extension PostgresRows {
    /// Copies every value out of `result` (text format) so it can be cleared.
    init(copying result: OpaquePointer) {
        let rowCount = Int(PQntuples(result))
        let columnCount = Int(PQnfields(result))
        let columns = (0..<columnCount).map { String(cString: PQfname(result, Int32($0))) }
        var values: [String?] = []
        values.reserveCapacity(rowCount * columnCount)
        for row in 0..<Int32(rowCount) {
            for column in 0..<Int32(columnCount) {
                if PQgetisnull(result, row, column) == 1 {
                    values.append(nil)
                } else {
                    let bytes = UnsafeRawBufferPointer(start: PQgetvalue(result, row, column), count: Int(PQgetlength(result, row, column)))
                    values.append(String(decoding: bytes, as: UTF8.self))
                }
            }
        }
        self.init(columns: columns, values: values)
    }
}
