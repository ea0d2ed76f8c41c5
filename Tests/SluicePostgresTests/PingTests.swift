import SluiceCore
import SluicePostgres
import SluiceTestSupport
import Testing

@Suite("Ping (server)")
struct PingTests {
    @Test func aPingAnswersWhileEveryConnectionIsBusy() async throws {
        try await withPool(TestDatabase.configuration(poolSize: 1)) { pool in
            // The only connection is taken: a checkout would wait, a ping does not.
            let outcome = try await whileTheOnlyConnectionIsHeld(pool) {
                await ReadinessCheck.evaluate([.database(pool)], within: .seconds(10))
            }
            #expect(outcome == ["database": ReadinessCheck.passed])
        }
    }

    @Test func aPingToAServerThatIsNotThereSaysSo() async throws {
        var configuration = TestDatabase.configuration(url: "postgresql://sluice:secret@127.0.0.1:1/sluice")
        configuration.connectTimeout = .seconds(2)
        try await withPool(configuration) { pool in
            let error = try await #require(throws: PostgresError.self) { try await pool.ping() }
            #expect(error.code == .connectionFailed)
            #expect(error.message == "no answer from the server")
        }
    }
}
