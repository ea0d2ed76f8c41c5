import SluiceCore

/// Where the database is and how SluicePostgres talks to it.
///
/// The timeouts travel with every connection (libpq keywords and `-c` server options),
/// so they hold for every statement without any per-call setup.
public struct PostgresConfiguration: Sendable {
    /// The address used when none is given: the development server that
    /// `infra/postgres.sh` starts.
    public static let defaultURL = "postgresql://sluice:sluice@127.0.0.1:55432/sluice"

    /// Server address as a libpq URI, `postgresql://user:password@host:port/database`
    /// (query parameters such as `sslmode` are honoured). Default ``defaultURL``.
    public var url: String
    /// Most connections the pool opens. Default 4.
    public var poolSize: Int
    /// How long opening a connection may take, retries included. Default 5 s.
    public var connectTimeout: Duration
    /// Server-side limit for one statement (`statement_timeout`); zero disables it. Default 30 s.
    public var statementTimeout: Duration
    /// Server-side limit for waiting on a lock (`lock_timeout`); zero disables it. Default 10 s.
    public var lockTimeout: Duration
    /// How long the server lets a session sit idle inside a transaction before it ends
    /// the session (`idle_in_transaction_session_timeout`); zero disables it. A process
    /// frozen or stalled mid-transaction then stops holding its row locks, which would
    /// otherwise block every other worker touching the same job. Default 60 s.
    public var idleInTransactionTimeout: Duration
    /// Shown in `pg_stat_activity.application_name`. Default `sluice`.
    public var applicationName: String
    /// Delays between attempts to open a connection. Default ``Backoff/init(initial:maximum:multiplier:)``'s defaults.
    public var reconnectBackoff: Backoff
    /// Schemas searched for unqualified names (`search_path`); empty keeps the
    /// server's setting. Default empty.
    public var searchPath: [String]

    /// Creates a configuration; every parameter has the default its property documents.
    public init(
        url: String = PostgresConfiguration.defaultURL,
        poolSize: Int = 4,
        connectTimeout: Duration = .seconds(5),
        statementTimeout: Duration = .seconds(30),
        lockTimeout: Duration = .seconds(10),
        idleInTransactionTimeout: Duration = .seconds(60),
        applicationName: String = "sluice",
        reconnectBackoff: Backoff = Backoff(),
        searchPath: [String] = []
    ) {
        precondition(poolSize >= 1, "poolSize must be at least 1")
        precondition(connectTimeout > .zero, "connectTimeout must be positive")
        precondition(statementTimeout >= .zero && lockTimeout >= .zero && idleInTransactionTimeout >= .zero, "timeouts cannot be negative")
        self.url = url
        self.poolSize = poolSize
        self.connectTimeout = connectTimeout
        self.statementTimeout = statementTimeout
        self.lockTimeout = lockTimeout
        self.idleInTransactionTimeout = idleInTransactionTimeout
        self.applicationName = applicationName
        self.reconnectBackoff = reconnectBackoff
        self.searchPath = searchPath
    }
}
