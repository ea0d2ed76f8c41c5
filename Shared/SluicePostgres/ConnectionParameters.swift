import SluiceCore

/// The libpq keywords a connection is opened with: the configured URL first, then
/// keywords that override whatever the URL says about them.
///
/// `PQconnectdbParams` with `expand_dbname` expands the URL in place of the first
/// `dbname`, and later keywords win, so nothing is ever spliced into the URL text.
struct ConnectionParameters: Sendable, Equatable {
    /// Keyword/value pairs in the order libpq must see them.
    let pairs: [(keyword: String, value: String)]

    // Dead peers (a pulled cable, a killed VM) send nothing; keepalives notice an idle
    // one within idle + interval × count, and tcp_user_timeout bounds how long sent
    // data may stay unacknowledged, so no call hangs until the kernel's 15-minute default.
    static let keepalivesIdleSeconds = 10
    static let keepalivesIntervalSeconds = 5
    static let keepalivesCount = 3
    static let tcpUserTimeoutMilliseconds = 25_000

    init(_ configuration: PostgresConfiguration, applicationName: String? = nil) {
        pairs = [
            ("dbname", configuration.url),
            // libpq rounds anything below 2 s up to 2 s.
            ("connect_timeout", String(max(2, Int(configuration.connectTimeout.seconds.rounded(.up))))),
            ("keepalives", "1"),
            ("keepalives_idle", String(Self.keepalivesIdleSeconds)),
            ("keepalives_interval", String(Self.keepalivesIntervalSeconds)),
            ("keepalives_count", String(Self.keepalivesCount)),
            ("tcp_user_timeout", String(Self.tcpUserTimeoutMilliseconds)),
            ("application_name", applicationName ?? configuration.applicationName),
            ("client_encoding", "UTF8"),
            ("options", Self.serverOptions(configuration)),
        ]
    }

    /// Calls `body` with the keywords and the values as the NULL-terminated C arrays that
    /// libpq's `…Params` functions take.
    func withCArrays<Result>(_ body: ([UnsafePointer<CChar>?], [UnsafePointer<CChar>?]) -> Result) -> Result {
        withCStrings(pairs.map(\.keyword) + [nil]) { keywords in
            withCStrings(pairs.map(\.value) + [nil]) { values in body(keywords, values) }
        }
    }

    static func == (lhs: Self, rhs: Self) -> Bool {
        lhs.pairs.elementsEqual(rhs.pairs) { $0.keyword == $1.keyword && $0.value == $1.value }
    }

    /// Server settings for every session: the timeouts, plus UTC ISO timestamps so that
    /// `Date` decoding never depends on the server's or the user's time zone.
    static func serverOptions(_ configuration: PostgresConfiguration) -> String {
        var settings = [
            "statement_timeout=\(milliseconds(configuration.statementTimeout))",
            "lock_timeout=\(milliseconds(configuration.lockTimeout))",
            "idle_in_transaction_session_timeout=\(milliseconds(configuration.idleInTransactionTimeout))",
            "TimeZone=UTC",
            "DateStyle=ISO",
        ]
        if !configuration.searchPath.isEmpty {
            let schemas = configuration.searchPath.map(PostgresIdentifier.quoted).joined(separator: ",")
            settings.append("search_path=\(schemas)")
        }
        return settings.map { "-c " + escapeOption($0) }.joined(separator: " ")
    }

    /// The server splits `options` on spaces; a backslash keeps a space or a backslash literal.
    static func escapeOption(_ setting: String) -> String {
        var escaped = ""
        for character in setting {
            if character == " " || character == "\\" { escaped.append("\\") }
            escaped.append(character)
        }
        return escaped
    }

    private static func milliseconds(_ duration: Duration) -> Int {
        Int((duration.seconds * 1000).rounded(.up))
    }
}
