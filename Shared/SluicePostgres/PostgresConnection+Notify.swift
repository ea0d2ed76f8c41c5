import CLibPQ
import Foundation

extension PostgresConnection {
    /// Sends a notification on `channel` (`pg_notify`). Inside a transaction it is
    /// delivered at COMMIT, and not at all on ROLLBACK.
    ///
    /// - Parameters:
    ///   - channel: the channel name, exactly as listeners spell it.
    ///   - payload: at most 8000 bytes; default empty.
    public func notify(channel: String, payload: String = "") throws {
        try execute("SELECT pg_notify(\(channel), \(payload))")
    }

    /// Subscribes this session to `channels`.
    func listen(to channels: [String]) throws {
        for channel in channels {
            let quoted = try quotedIdentifier(channel)
            try simpleQuery("LISTEN \(quoted)", context: "LISTEN \(quoted)")
        }
    }

    /// Waits up to `timeoutMilliseconds` for the server, then passes every notification
    /// that arrived to `deliver` as (channel, payload).
    ///
    /// - Returns: false when the connection is lost.
    func receiveNotifications(timeoutMilliseconds: Int32, _ deliver: (String, String) -> Void) -> Bool {
        var descriptor = pollfd(fd: PQsocket(handle), events: Int16(POLLIN), revents: 0)
        guard descriptor.fd >= 0 else { return false }
        let ready = poll(&descriptor, 1, timeoutMilliseconds)
        guard ready >= 0 || errno == EINTR else { return false }
        guard PQconsumeInput(handle) == 1 else { return false }
        while let notification = PQnotifies(handle) {
            defer { PQfreemem(notification) }
            deliver(String(cString: notification.pointee.relname), String(cString: notification.pointee.extra))
        }
        return PQstatus(handle) == CONNECTION_OK
    }
}
