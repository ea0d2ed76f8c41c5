import CLibPQ
import SluiceCore

extension PostgresPool {
    /// One thread for every ping in the process: pings are rare and end within the
    /// connect timeout.
    private static let pingThread = BlockingThread(name: "sluice-pg-ping")

    /// Asks the server whether it accepts connections (libpq's `PQpingParams`, as
    /// `pg_isready` does), without taking one of the pool's connections: the answer
    /// does not wait behind the work in flight. It does not log in, so it says nothing
    /// about the credentials.
    ///
    /// - Throws: ``PostgresError/Code/connectionFailed`` saying why not.
    public func ping() async throws {
        let parameters = parameters
        let answer = try await Self.pingThread.run {
            parameters.withCArrays { keywords, values in PQpingParams(keywords, values, 1) }
        }
        switch answer {
        case PQPING_OK:
            return
        case PQPING_REJECT:
            throw PostgresError(code: .connectionFailed, message: "the server refuses connections (starting up, shutting down or in recovery)")
        case PQPING_NO_RESPONSE:
            throw PostgresError(code: .connectionFailed, message: "no answer from the server")
        default:
            throw PostgresError(code: .connectionFailed, message: "the connection settings are not valid")
        }
    }
}

extension ReadinessCheck {
    /// "database": the server of `pool` accepts connections (see ``PostgresPool/ping()``).
    public static func database(_ pool: PostgresPool) -> ReadinessCheck {
        ReadinessCheck("database") { try await pool.ping() }
    }
}
