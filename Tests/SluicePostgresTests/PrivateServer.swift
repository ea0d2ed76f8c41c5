import Foundation
import SluiceTestSupport
import Testing

/// A PostgreSQL server of a suite's own, run by `infra/postgres.sh` with its own data
/// folder and port, so a suite can stop and start it without disturbing the server
/// that every other suite is using at the same time.
struct PrivateServer: Sendable {
    let home: URL
    let port: Int

    var url: String { "postgresql://sluice:sluice@127.0.0.1:\(port)/sluice" }

    @TaskLocal static var current: PrivateServer?

    /// Creates and starts a fresh cluster on a free port.
    static func start() async throws -> PrivateServer {
        let home = URL(fileURLWithPath: "/tmp").appendingPathComponent("sluice-pg-\(UUID().uuidString.prefix(8).lowercased())")
        var lastError: (any Error)?
        // A random port can be taken by the time the server binds it; postgres.sh then refuses, and another is tried.
        for _ in 0..<3 {
            let server = PrivateServer(home: home, port: Int.random(in: 42_000..<48_000))
            do {
                try await server.control("start")
                return server
            } catch {
                lastError = error
            }
        }
        try? FileManager.default.removeItem(at: home)
        throw lastError!
    }

    /// Runs `infra/postgres.sh command` for this server.
    func control(_ command: String) async throws {
        var environment = ProcessInfo.processInfo.environment
        environment["SLUICE_HOME"] = home.path
        environment["SLUICE_POSTGRES_PORT"] = String(port)
        try await StackScript.run("postgres.sh", [command], environment: environment)
    }

    /// Stops the server and deletes its data.
    func remove() async throws {
        try await control("stop")
        try FileManager.default.removeItem(at: home)
    }
}

/// Gives the suite a ``PrivateServer`` for its whole run (``PrivateServer/current``),
/// removed afterwards even when tests fail.
struct PrivateServerTrait: SuiteTrait, TestScoping {
    func provideScope(
        for test: Test,
        testCase: Test.Case?,
        performing function: @Sendable () async throws -> Void
    ) async throws {
        let server = try await PrivateServer.start()
        do {
            try await PrivateServer.$current.withValue(server) { try await function() }
        } catch {
            try? await server.remove()
            throw error
        }
        try await server.remove()
    }
}

extension Trait where Self == PrivateServerTrait {
    /// Runs the suite against a PostgreSQL server of its own (see ``PrivateServer``).
    static var privateServer: Self { PrivateServerTrait() }
}
