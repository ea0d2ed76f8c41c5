import Foundation
import SluiceCore
import SluiceTestSupport
import Testing
import SluicePostgres

@Suite("LISTEN/NOTIFY (server)")
struct ListenerTests {
    @Test func aNotificationArrivesThroughTheListener() async throws {
        // Mixed case, a space and a quote: only correct identifier quoting listens on it.
        let channel = "Sluice \"events\" \(UUID().uuidString)"
        let payload = "job 42 is done: ✓"
        let listener = PostgresListener(configuration: TestDatabase.configuration(), channels: [channel], logger: TestDatabase.logger)
        try await withPool(TestDatabase.configuration()) { pool in
            try await withListener(listener) {
                #expect(try await nextEvent(of: listener) == .listening)
                try await pool.withConnection { try $0.notify(channel: "unrelated-\(UUID().uuidString)", payload: "x") }
                try await pool.withConnection { try $0.notify(channel: channel, payload: payload) }
                #expect(try await nextEvent(of: listener) == .notification(channel: channel, payload: payload))
            }
        }
    }

    @Test func aNotificationInARolledBackTransactionIsNeverDelivered() async throws {
        let channel = TestDatabase.uniqueName("sluice_tx")
        let listener = PostgresListener(configuration: TestDatabase.configuration(), channels: [channel], logger: TestDatabase.logger)
        try await withPool(TestDatabase.configuration()) { pool in
            try await withListener(listener) {
                try await nextEvent(of: listener)
                struct Abort: Error {}
                _ = try? await pool.withTransaction { conn in
                    try conn.notify(channel: channel, payload: "rolled back")
                    throw Abort()
                }
                try await pool.withConnection { try $0.notify(channel: channel, payload: "committed") }
                // Notifications arrive in order, so the first one seen must be the committed one.
                #expect(try await nextEvent(of: listener) == .notification(channel: channel, payload: "committed"))
            }
        }
    }

    @Test func theListenerReconnectsWhenItsSessionIsKilled() async throws {
        let channel = TestDatabase.uniqueName("sluice_reconnect")
        let name = TestDatabase.uniqueName("sluice-listener")
        let listener = PostgresListener(
            configuration: TestDatabase.configuration(applicationName: name),
            channels: [channel],
            logger: TestDatabase.logger
        )
        try await withPool(TestDatabase.configuration()) { pool in
            try await withListener(listener) {
                #expect(try await nextEvent(of: listener) == .listening)
                let killed = try await pool.withConnection { conn in
                    try conn.query("""
                        SELECT count(*) FILTER (WHERE pg_terminate_backend(pid, 5000)) AS n
                        FROM pg_stat_activity WHERE application_name = \(name)
                        """).single().decode("n", as: Int.self)
                }
                #expect(killed == 1)
                #expect(try await nextEvent(of: listener) == .reconnected)
                try await pool.withConnection { try $0.notify(channel: channel, payload: "after") }
                #expect(try await nextEvent(of: listener) == .notification(channel: channel, payload: "after"))
            }
        }
    }

    @Test func runReturnsOnCancellationAndFinishesTheEvents() async throws {
        let listener = PostgresListener(configuration: TestDatabase.configuration(), channels: ["sluice_idle"], logger: TestDatabase.logger)
        let service = Task { try await listener.run() }
        #expect(try await nextEvent(of: listener) == .listening)
        service.cancel()
        // Bounded so a listener that ignores cancellation fails the test; how fast it
        // returns is not measured here (the machines are shared and noisy).
        try await withTimeout(.seconds(10), waitingFor: "the listener to stop") { try await service.value }
        let remaining = try await withTimeout(.seconds(5)) {
            var count = 0
            for await _ in listener.events { count += 1 }
            return count
        }
        #expect(remaining == 0)
    }
}
