import CLibPQ
import Logging
import SluiceCore

/// One place in the pool: a thread and the connection it owns (opened on first use).
///
/// `@unchecked Sendable`: `connection` and `isClosed` are only touched by jobs that
/// run on `thread`, which runs one job at a time.
final class PoolSlot: @unchecked Sendable {
    let thread: BlockingThread
    private var connection: PostgresConnection?
    private var isClosed = false

    init(name: String) {
        thread = BlockingThread(name: name)
    }

    /// Runs `body` with a live connection, replacing a dead one first, and leaves the
    /// session idle for the next caller. Runs on `thread`.
    func withConnection<Result>(
        open: () throws -> PostgresConnection,
        logger: Logger,
        _ body: (PostgresConnection) throws -> Result
    ) throws -> Result {
        guard !isClosed else {
            throw PostgresError(code: .poolShutDown, message: "the pool has shut down")
        }
        if let current = connection, !current.isAlive() {
            logger.info("replacing a lost database connection", metadata: ["error": "\(current.errorMessage)"])
            ConnectionObservation.observer?.connectionLost(.database)
            connection = nil
        }
        let live = try connection ?? open()
        connection = live
        defer {
            // A caller that opened a transaction and threw, or left a COPY unfinished,
            // must not hand that state to the next one.
            if live.isBroken {
                ConnectionObservation.observer?.connectionLost(.database)
                connection = nil
            } else if live.transactionStatus != PQTRANS_IDLE {
                logger.warning("a pooled connection was returned inside a transaction; rolling back")
                if !live.rollbackIfOpen() { connection = nil }
            }
        }
        return try body(live)
    }

    /// Closes the connection and refuses later work. Runs on `thread`.
    func close() {
        isClosed = true
        connection = nil
    }
}
