import SluiceTestSupport
import Testing
import SluicePostgres

/// The server goes away and comes back (`infra/postgres.sh stop` + `start`). These run
/// against a server of their own, so other suites keep running in parallel undisturbed.
@Suite("Server restart (private server)", .serialized, .privateServer)
struct RestartTests {
    private var server: PrivateServer {
        get throws { try #require(PrivateServer.current) }
    }

    private func configuration(applicationName: String = "sluice-restart-tests") throws -> PostgresConfiguration {
        var configuration = TestDatabase.configuration(url: try server.url, poolSize: 2, applicationName: applicationName)
        configuration.connectTimeout = .seconds(1)
        return configuration
    }

    @Test func thePoolKeepsWorkingAfterARestart() async throws {
        let server = try server
        try await withPool(try configuration()) { pool in
            let before = try await pool.withConnection { try $0.query("SELECT pg_postmaster_start_time() AS t").single().decode("t", as: String.self) }
            try await server.control("stop")
            let downtime = try await #require(throws: PostgresError.self) {
                try await pool.withConnection { try $0.execute("SELECT 1") }
            }
            #expect(downtime.code == .connectionFailed || downtime.code == .connectionLost)
            #expect(downtime.isUnavailable, "a server that is down is unavailable for now, not a failed request")
            try await server.control("start")
            let after = try await pool.withConnection { try $0.query("SELECT pg_postmaster_start_time() AS t").single().decode("t", as: String.self) }
            #expect(after != before)
            // Every pooled connection recovers, not just the first one checked out.
            let answers = try await withThrowingTaskGroup(of: Int.self) { group in
                for _ in 0..<8 { group.addTask { try await pool.withConnection { try $0.query("SELECT 1 AS one").single().decode("one", as: Int.self) } } }
                return try await group.reduce(0, +)
            }
            #expect(answers == 8)
        }
    }

    @Test func theListenerReconnectsAndHearsNotificationsAgain() async throws {
        let server = try server
        let channel = TestDatabase.uniqueName("sluice_restart")
        let listener = PostgresListener(configuration: try configuration(), channels: [channel], logger: TestDatabase.logger)
        try await withPool(try configuration()) { pool in
            try await withListener(listener) {
                #expect(try await nextEvent(of: listener) == .listening)
                try await pool.withConnection { try $0.notify(channel: channel, payload: "before") }
                #expect(try await nextEvent(of: listener) == .notification(channel: channel, payload: "before"))
                try await server.control("stop")
                try await server.control("start")
                #expect(try await nextEvent(of: listener, within: .seconds(30)) == .reconnected)
                try await pool.withConnection { try $0.notify(channel: channel, payload: "after") }
                #expect(try await nextEvent(of: listener) == .notification(channel: channel, payload: "after"))
            }
        }
    }
}
