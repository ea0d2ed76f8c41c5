import Foundation
import Testing
@testable import SluicePostgres

@Suite("PostgresQuery (no server)")
struct QueryTests {
    @Test func interpolatedValuesBecomeNumberedParameters() {
        let id = UUID()
        let status = "queued"
        let query: PostgresQuery = "SELECT * FROM jobs WHERE job_id = \(id) AND status = \(status)"
        #expect(query.sql == "SELECT * FROM jobs WHERE job_id = $1 AND status = $2")
        #expect(query.bindings == [
            PostgresBinding(id),
            PostgresBinding(status),
        ])
        #expect(query.bindings.map(\.dataType) == [.uuid, .unspecified])
        #expect(query.bindings.map(\.text) == [id.uuidString, "queued"])
    }

    @Test func everyValueIsBoundAndNeverSpliced() {
        let evil = "'); DROP TABLE jobs; --"
        let limit = 5
        let missing: Int? = nil
        let query: PostgresQuery = "SELECT \(evil), \(limit), \(missing), \(true), \(2.5)"
        #expect(query.sql == "SELECT $1, $2, $3, $4, $5")
        #expect(!query.sql.contains("DROP"))
        #expect(query.bindings.map(\.text) == [evil, "5", nil, "true", "2.5"])
        #expect(query.bindings.map(\.dataType) == [.unspecified, .int8, .int8, .bool, .float8])
        #expect(query.description == query.sql)
    }

    @Test func aLiteralHasNoParameters() {
        let query: PostgresQuery = "SELECT 1"
        #expect(query.sql == "SELECT 1")
        #expect(query.bindings.isEmpty)
    }

    @Test func identifiersAreQuoted() {
        let schema = #"we"ird name"#
        let query: PostgresQuery = "CREATE SCHEMA \(identifier: schema)"
        #expect(query.sql == #"CREATE SCHEMA "we""ird name""#)
        #expect(query.bindings.isEmpty)
    }

    @Test func typedValuesUseTheirPostgresTypes() throws {
        let json = try PostgresJSON(["a": 1])
        let query: PostgresQuery = "SELECT \(Int32(7)), \(Int64.min), \([UInt8]([0, 255])), \(json), \(Date(timeIntervalSince1970: 0))"
        #expect(query.bindings.map(\.dataType) == [.int4, .int8, .bytea, .jsonb, .timestamptz])
        #expect(query.bindings.map(\.text) == [
            "7", "-9223372036854775808", #"\x00ff"#, #"{"a":1}"#, "1970-01-01 00:00:00.000000+00",
        ])
    }
}

@Suite("Error context (no server)")
struct ErrorContextTests {
    @Test func contextIsTheFirstLineOfSQLThatSaysSomething() {
        #expect(PostgresError.context(ofSQL: "-- job history\n\n  CREATE TABLE jobs (\n id int)") == "CREATE TABLE jobs (")
        #expect(PostgresError.context(ofSQL: String(repeating: "x", count: 200)).count == 121)
    }

    @Test func descriptionCarriesCodeSQLStateMessageDetailAndContext() {
        let error = PostgresError(
            code: .serverError, message: "duplicate key", sqlState: "23505", detail: "Key (id)=(1) already exists.",
            hint: nil, context: "INSERT INTO t VALUES ($1)"
        )
        #expect(error.description == "PostgreSQL serverError [23505]: duplicate key (detail: Key (id)=(1) already exists.) in: INSERT INTO t VALUES ($1)")
        #expect(error.isUniqueViolation)
    }
}
