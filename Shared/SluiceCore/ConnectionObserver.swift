import Synchronization

/// What a process's database and broker connections go through, as the client libraries
/// (SluicePostgres, SluiceAMQP) report it: each connection opened, failed to open, lost
/// or closed, and each wait for a pooled database connection. A service's `main`
/// installs one observer (SluiceObservability's `ConnectionMetrics`, through
/// `Observability.bootstrap`), which turns the reports into metrics; until then, and in
/// programs that install none, reports go nowhere.
public protocol ConnectionObserver: Sendable {
    /// A connection to `peer` opened, or an attempt to open one failed.
    func connectionAttempted(_ peer: ConnectionPeer, opened: Bool)
    /// An open connection to `peer` broke (the next use replaces it).
    func connectionLost(_ peer: ConnectionPeer)
    /// An open connection to `peer` was closed and freed.
    func connectionClosed(_ peer: ConnectionPeer)
    /// A checkout began waiting for a pooled database connection.
    func poolCheckoutStarted()
    /// A checkout ended: with a connection after `waited` (`nil`: it failed or was cancelled).
    func poolCheckoutEnded(waited: Duration?)
    /// A pooled connection was given back.
    func poolCheckedIn()
}

/// The server a connection goes to.
public enum ConnectionPeer: String, Sendable, CaseIterable {
    case database
    case broker
}

/// The process's one ``ConnectionObserver``.
public enum ConnectionObservation {
    private static let installed = Mutex<(any ConnectionObserver)?>(nil)

    /// Sends every later report to `observer`.
    public static func install(_ observer: any ConnectionObserver) {
        installed.withLock { $0 = observer }
    }

    /// The installed observer, if any.
    public static var observer: (any ConnectionObserver)? {
        installed.withLock { $0 }
    }
}
