import CLibPQ

extension PostgresConnection {
    /// Runs `body` between BEGIN and COMMIT; any error thrown inside rolls back and is rethrown.
    ///
    /// Transactions do not nest: calling this inside another is a
    /// ``PostgresError/Code/misuse`` error. If a statement failed inside `body` and
    /// `body` caught the error instead of throwing it, COMMIT would silently roll back;
    /// that case is reported as SQLSTATE 25P02 instead.
    ///
    /// - Throws: `body`'s error, or ``PostgresError``. A
    ///   ``PostgresError/Code/connectionLost`` from COMMIT means the outcome is unknown.
    public func transaction<Result>(_ body: (PostgresConnection) throws -> Result) throws -> Result {
        guard transactionStatus == PQTRANS_IDLE else {
            throw PostgresError(code: .misuse, message: "a transaction is already open; transactions do not nest")
        }
        try execute("BEGIN")
        let value: Result
        do {
            value = try body(self)
        } catch {
            rollbackIfOpen()
            throw error
        }
        if transactionStatus == PQTRANS_INERROR {
            rollbackIfOpen()
            throw PostgresError(
                code: .serverError,
                message: "a statement in the transaction failed and its error was caught; the transaction was rolled back",
                sqlState: "25P02"
            )
        }
        try execute("COMMIT")
        return value
    }

    /// Rolls back an open or failed transaction; reports whether the session is idle again.
    @discardableResult
    func rollbackIfOpen() -> Bool {
        switch transactionStatus {
        case PQTRANS_IDLE:
            return true
        case PQTRANS_INTRANS, PQTRANS_INERROR:
            do {
                try execute("ROLLBACK")
                return true
            } catch {
                logger.warning("rollback failed", metadata: ["error": "\(error)"])
                return false
            }
        default:
            // Still busy (an unfinished COPY) or broken: nothing to roll back with.
            return false
        }
    }
}
