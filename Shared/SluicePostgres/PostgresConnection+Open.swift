import Foundation
import Logging
import SluiceCore

extension PostgresConnection {
    /// Opens a connection, retrying with `backoff` while the server cannot be reached,
    /// until `timeout` has elapsed. Blocks the calling thread, which must be the one
    /// that will own the connection.
    ///
    /// - Throws: the last ``PostgresError/Code/connectionFailed`` error.
    static func open(
        _ parameters: ConnectionParameters,
        backoff: Backoff,
        timeout: Duration,
        logger: Logger
    ) throws -> PostgresConnection {
        let clock = ContinuousClock()
        let deadline = clock.now + timeout
        var attempt = 0
        while true {
            do {
                return try open(parameters, logger: logger)
            } catch {
                let delay = backoff.delay(forAttempt: attempt)
                guard clock.now + delay < deadline else { throw error }
                logger.debug(
                    "connection attempt failed; retrying",
                    metadata: ["error": "\(error)", "db.retry.attempt": "\(attempt + 1)"]
                )
                Thread.sleep(forTimeInterval: delay.seconds)
                attempt += 1
            }
        }
    }
}
