extension PostgresError {
    /// Whether the failure is the database being unavailable for now rather than anything
    /// wrong with the request: no connection could be opened or one broke, the server is
    /// shutting down or starting, or the node answering is no longer the primary (after a
    /// failover: SQLSTATE 25006, a read-only transaction). A caller answers 503 and
    /// retries; the same statement may well succeed a moment later.
    public var isUnavailable: Bool {
        if code == .connectionFailed || code == .connectionLost || code == .poolShutDown { return true }
        guard code == .serverError, let sqlState else { return false }
        return sqlState.hasPrefix("08") // connection exceptions
            || ["57P01", "57P02", "57P03", "25006"].contains(sqlState) // admin or crash shutdown, cannot connect now, read-only
    }
}
