import Dispatch
import Foundation
import SluiceCore
import SluiceTestSupport
import Testing
import SluicePostgres

@Suite("Pool (server)")
struct PoolTests {
    @Test func connectionsOpenLazilyAndNeverExceedThePoolSize() async throws {
        let name = TestDatabase.uniqueName("sluice-lazy")
        let configuration = TestDatabase.configuration(poolSize: 2, applicationName: name)
        try await withPool(TestDatabase.configuration()) { observer in
            let sessions: @Sendable () async throws -> Int = {
                try await observer.withConnection { conn in
                    try conn.query("SELECT count(*) AS n FROM pg_stat_activity WHERE application_name = \(name)")
                        .single().decode("n", as: Int.self)
                }
            }
            try await withPool(configuration) { pool in
                #expect(try await sessions() == 0)
                let backends = try await withThrowingTaskGroup(of: Int32.self) { group in
                    for _ in 0..<16 {
                        group.addTask {
                            try await pool.withConnection { conn in
                                try conn.query("SELECT pg_backend_pid() AS pid").single().decode("pid", as: Int32.self)
                            }
                        }
                    }
                    return try await group.reduce(into: Set<Int32>()) { $0.insert($1) }
                }
                #expect(!backends.isEmpty && backends.count <= 2)
                #expect(try await sessions() == backends.count)
            }
            // run() has returned: the pool's sessions are closed, not left to time out. A
            // closed session leaves pg_stat_activity a moment after the client said goodbye,
            // and the server tells no one when: asked again until it has.
            #expect(try await eventually { try await sessions() == 0 })
        }
    }

    @Test func aWaitingCheckoutCanBeCancelled() async throws {
        try await withPool(TestDatabase.configuration(poolSize: 1)) { pool in
            try await whileTheOnlyConnectionIsHeld(pool) {
                let waiter = Task { try await pool.withConnection { _ in "got it" } }
                waiter.cancel()
                await #expect(throws: CancellationError.self) { try await waiter.value }
            }
            // The cancelled waiter did not take the only connection with it.
            let answer = try await withTimeout(.seconds(10)) { try await pool.withConnection { _ in "free" } }
            #expect(answer == "free")
        }
    }

    @Test func theStatementTimeoutApplies() async throws {
        var configuration = TestDatabase.configuration()
        configuration.statementTimeout = .milliseconds(200)
        let error = try await withPool(configuration) { pool in
            try await #require(throws: PostgresError.self) {
                try await pool.withConnection { try $0.execute("SELECT pg_sleep(10)") }
            }
        }
        // The server's own word that the statement timeout (not a slow test machine) ended it.
        #expect(error.sqlState == "57014")
        #expect(error.message.contains("statement timeout"))
    }

    @Test func aConnectionKilledMidQueryIsReportedAndReplaced() async throws {
        try await withPool(TestDatabase.configuration(poolSize: 1)) { pool in
            let first = try await pool.withConnection { try $0.query("SELECT pg_backend_pid() AS pid").single().decode("pid", as: Int32.self) }
            let error = try await #require(throws: PostgresError.self) {
                try await pool.withConnection { try $0.execute("SELECT pg_terminate_backend(pg_backend_pid())") }
            }
            #expect(error.code == .connectionLost)
            let second = try await pool.withConnection { try $0.query("SELECT pg_backend_pid() AS pid").single().decode("pid", as: Int32.self) }
            #expect(second != first)
        }
    }

    @Test func aTransactionLeftIdleIsEndedByTheServerAndStopsHoldingItsLocks() async throws {
        var stalled = TestDatabase.configuration(poolSize: 1)
        stalled.idleInTransactionTimeout = .milliseconds(300)
        let key = TestDatabase.uniqueName("sluice-stalled")
        try await withPool(TestDatabase.configuration()) { other in
            try await withPool(stalled) { pool in
                let resume = DispatchSemaphore(value: 0)
                let (locked, lockTaken) = AsyncStream.makeStream(of: Void.self)
                // A process frozen mid-transaction: it holds a lock and sends nothing.
                let holder = Task {
                    try await pool.withTransaction { db in
                        try db.execute("SELECT pg_advisory_xact_lock(hashtext(\(key)))")
                        lockTaken.yield()
                        // Bounded, so a failing test cannot wedge the pool's thread.
                        _ = resume.wait(timeout: .now() + 15)
                        try db.execute("SELECT 1")
                    }
                }
                try await withTimeout(.seconds(10)) {
                    for await _ in locked { return }
                }
                // Another session gets the lock while the holder is still stalled (within
                // its 10 s lock timeout, long before the holder's 15 s bound).
                let waited = ContinuousClock.now
                try await other.withTransaction { try $0.execute("SELECT pg_advisory_xact_lock(hashtext(\(key)))") }
                #expect(ContinuousClock.now - waited < .seconds(10))
                resume.signal()
                // The holder's transaction is gone: its next statement fails, nothing commits.
                let error = try await #require(throws: PostgresError.self) { try await holder.value }
                #expect(error.code == .connectionLost || error.sqlState == "25P03")
            }
        }
    }

    @Test func anIdleConnectionKilledByTheServerIsReplacedAtCheckout() async throws {
        let name = TestDatabase.uniqueName("sluice-idle")
        try await withPool(TestDatabase.configuration()) { observer in
            try await withPool(TestDatabase.configuration(poolSize: 1, applicationName: name)) { pool in
                let first = try await pool.withConnection { try $0.query("SELECT pg_backend_pid() AS pid").single().decode("pid", as: Int32.self) }
                let terminated = try await observer.withConnection { conn in
                    try conn.query("SELECT pg_terminate_backend(\(first), 5000) AS done").single().decode("done", as: Bool.self)
                }
                #expect(terminated)
                // No error reaches the caller: the dead session is noticed without a round trip.
                let second = try await pool.withConnection { try $0.query("SELECT pg_backend_pid() AS pid").single().decode("pid", as: Int32.self) }
                #expect(second != first)
            }
        }
    }

    @Test func anUnreachableServerFailsWithinTheConnectTimeout() async throws {
        var configuration = TestDatabase.configuration(url: "postgresql://sluice:sluice@127.0.0.1:1/sluice")
        configuration.connectTimeout = .milliseconds(500)
        let started = ContinuousClock.now
        let error = try await withPool(configuration) { pool in
            try await #require(throws: PostgresError.self) { try await pool.withConnection { _ in } }
        }
        #expect(error.code == .connectionFailed)
        #expect(error.message.contains("127.0.0.1"))
        #expect(ContinuousClock.now - started < .seconds(30), "it gave up rather than retrying for ever")
    }

    @Test func aClosedPoolRefusesWork() async throws {
        let pool = PostgresPool(configuration: TestDatabase.configuration(), logger: TestDatabase.logger)
        let service = Task { try await pool.run() }
        #expect(try await pool.withConnection { _ in 1 } == 1)
        service.cancel()
        try await service.value
        let error = try await #require(throws: PostgresError.self) { try await pool.withConnection { _ in 1 } }
        #expect(error.code == .poolShutDown)
    }
}
