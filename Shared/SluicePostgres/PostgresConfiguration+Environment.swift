import CLibPQ
import Foundation

extension PostgresConfiguration {
    /// Reads the configuration from environment variables; unset keys keep their defaults.
    ///
    /// | key | meaning | default |
    /// |---|---|---|
    /// | `SLUICE_DATABASE_URL` | ``url`` | `postgresql://sluice:sluice@127.0.0.1:55432/sluice` |
    /// | `SLUICE_DATABASE_POOL_SIZE` | ``poolSize``, a positive integer | 4 |
    /// | `SLUICE_DATABASE_CONNECT_TIMEOUT` | ``connectTimeout`` | 5 s |
    /// | `SLUICE_DATABASE_STATEMENT_TIMEOUT` | ``statementTimeout`` (0 disables) | 30 s |
    /// | `SLUICE_DATABASE_IDLE_IN_TRANSACTION_TIMEOUT` | ``idleInTransactionTimeout`` (0 disables) | 60 s |
    ///
    /// Durations are seconds (`5`, `2.5`) or carry a unit (`500ms`, `5s`).
    ///
    /// - Throws: ``PostgresError`` with code ``PostgresError/Code/invalidConfiguration``
    ///   naming the key whose value is malformed.
    public init(environment: [String: String] = ProcessInfo.processInfo.environment) throws {
        self.init(url: Self.defaultURL)
        if let url = environment["SLUICE_DATABASE_URL"] {
            try Self.validate(url: url, key: "SLUICE_DATABASE_URL")
            self.url = url
        }
        if let text = environment["SLUICE_DATABASE_POOL_SIZE"] {
            guard let size = Int(text.trimmingCharacters(in: .whitespaces)), size >= 1 else {
                throw Self.invalid("SLUICE_DATABASE_POOL_SIZE", "expected a positive integer, got '\(text)'")
            }
            poolSize = size
        }
        if let text = environment["SLUICE_DATABASE_CONNECT_TIMEOUT"] {
            connectTimeout = try Self.duration(text, key: "SLUICE_DATABASE_CONNECT_TIMEOUT", allowZero: false)
        }
        if let text = environment["SLUICE_DATABASE_STATEMENT_TIMEOUT"] {
            statementTimeout = try Self.duration(text, key: "SLUICE_DATABASE_STATEMENT_TIMEOUT", allowZero: true)
        }
        if let text = environment["SLUICE_DATABASE_IDLE_IN_TRANSACTION_TIMEOUT"] {
            idleInTransactionTimeout = try Self.duration(text, key: "SLUICE_DATABASE_IDLE_IN_TRANSACTION_TIMEOUT", allowZero: true)
        }
    }

    /// Lets libpq parse the URL now, so a typo fails at start-up with libpq's own
    /// explanation instead of at the first query. The URL is not echoed: it holds a password.
    static func validate(url: String, key: String) throws {
        var message: UnsafeMutablePointer<CChar>?
        guard let options = PQconninfoParse(url, &message) else {
            let reason = message.map { String(cString: $0).trimmingCharacters(in: .whitespacesAndNewlines) }
            PQfreemem(message)
            throw invalid(key, "not a valid PostgreSQL URL: \(reason ?? "out of memory")")
        }
        PQconninfoFree(options)
    }

    static func duration(_ text: String, key: String, allowZero: Bool) throws -> Duration {
        let trimmed = text.trimmingCharacters(in: .whitespaces).lowercased()
        let (number, scale): (Substring, Double) =
            if trimmed.hasSuffix("ms") { (trimmed.dropLast(2), 0.001) }
            else if trimmed.hasSuffix("s") { (trimmed.dropLast(1), 1) }
            else { (Substring(trimmed), 1) }
        guard let value = Double(number), value.isFinite, value > 0 || (allowZero && value == 0) else {
            let expected = allowZero ? "a non-negative duration" : "a positive duration"
            throw invalid(key, "expected \(expected) such as 5, 2.5, 500ms or 5s, got '\(text)'")
        }
        return .nanoseconds(Int64((value * scale * 1e9).rounded()))
    }

    private static func invalid(_ key: String, _ reason: String) -> PostgresError {
        PostgresError(code: .invalidConfiguration, message: "\(key): \(reason)")
    }
}
