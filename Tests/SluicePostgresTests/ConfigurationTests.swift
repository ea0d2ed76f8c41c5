import Testing
@testable import SluicePostgres

@Suite("Configuration (no server)")
struct ConfigurationTests {
    @Test func defaultsWhenTheEnvironmentIsEmpty() throws {
        let configuration = try PostgresConfiguration(environment: [:])
        #expect(configuration.url == "postgresql://sluice:sluice@127.0.0.1:55432/sluice")
        #expect(configuration.poolSize == 4)
        #expect(configuration.connectTimeout == .seconds(5))
        #expect(configuration.statementTimeout == .seconds(30))
        #expect(configuration.lockTimeout == .seconds(10))
        #expect(configuration.idleInTransactionTimeout == .seconds(60))
    }

    @Test func readsEveryKey() throws {
        let configuration = try PostgresConfiguration(environment: [
            "SLUICE_DATABASE_URL": "postgresql://u:p@db.example:6543/jobs?sslmode=require",
            "SLUICE_DATABASE_POOL_SIZE": "12",
            "SLUICE_DATABASE_CONNECT_TIMEOUT": "2.5",
            "SLUICE_DATABASE_STATEMENT_TIMEOUT": "500ms",
            "SLUICE_DATABASE_IDLE_IN_TRANSACTION_TIMEOUT": "15s",
        ])
        #expect(configuration.url == "postgresql://u:p@db.example:6543/jobs?sslmode=require")
        #expect(configuration.poolSize == 12)
        #expect(configuration.connectTimeout == .milliseconds(2500))
        #expect(configuration.statementTimeout == .milliseconds(500))
        #expect(configuration.idleInTransactionTimeout == .seconds(15))
        #expect(try PostgresConfiguration(environment: ["SLUICE_DATABASE_IDLE_IN_TRANSACTION_TIMEOUT": "0"]).idleInTransactionTimeout == .zero)
        #expect(try PostgresConfiguration(environment: ["SLUICE_DATABASE_STATEMENT_TIMEOUT": "0"]).statementTimeout == .zero)
        #expect(try PostgresConfiguration(environment: ["SLUICE_DATABASE_CONNECT_TIMEOUT": "3s"]).connectTimeout == .seconds(3))
    }

    @Test(arguments: [
        ("SLUICE_DATABASE_POOL_SIZE", "0"),
        ("SLUICE_DATABASE_POOL_SIZE", "four"),
        ("SLUICE_DATABASE_CONNECT_TIMEOUT", "0"),
        ("SLUICE_DATABASE_CONNECT_TIMEOUT", "5 minutes"),
        ("SLUICE_DATABASE_STATEMENT_TIMEOUT", "-1"),
        ("SLUICE_DATABASE_IDLE_IN_TRANSACTION_TIMEOUT", "soon"),
        ("SLUICE_DATABASE_URL", "postgresql://u:p@host/db?no_such_option=1"),
        ("SLUICE_DATABASE_URL", "localhost:5432"),
    ])
    func malformedValuesAreRefusedNamingTheKey(key: String, value: String) {
        #expect {
            try PostgresConfiguration(environment: [key: value])
        } throws: { error in
            let error = error as? PostgresError
            return error?.code == .invalidConfiguration && error?.message.hasPrefix(key) == true
        }
    }

    @Test func connectionKeywordsCarryTheTimeoutsAfterTheURL() {
        let configuration = PostgresConfiguration(
            url: "postgresql://u:p@h:1/d",
            connectTimeout: .milliseconds(500),
            statementTimeout: .seconds(30),
            lockTimeout: .milliseconds(1500),
            idleInTransactionTimeout: .seconds(45),
            applicationName: "gateway",
            searchPath: ["my schema", "public"]
        )
        let pairs = Dictionary(uniqueKeysWithValues: ConnectionParameters(configuration).pairs.map { ($0.keyword, $0.value) })
        #expect(ConnectionParameters(configuration).pairs.first?.keyword == "dbname")
        #expect(pairs["dbname"] == "postgresql://u:p@h:1/d")
        #expect(pairs["connect_timeout"] == "2")
        #expect(pairs["application_name"] == "gateway")
        #expect(pairs["keepalives"] == "1")
        #expect(pairs["tcp_user_timeout"] != nil)
        #expect(pairs["options"] == #"-c statement_timeout=30000 -c lock_timeout=1500 -c idle_in_transaction_session_timeout=45000 -c TimeZone=UTC -c DateStyle=ISO -c search_path="my\ schema","public""#)
    }
}
