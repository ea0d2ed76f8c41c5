import Testing
@testable import SluicePostgres

/// Which failures mean "the database is unavailable for now" (a gateway answers 503 and the
/// caller retries) and which are the request's own.
@Suite struct UnavailableTests {
    @Test(arguments: [
        (PostgresError.Code.connectionFailed, nil as String?, true),
        (.connectionLost, nil, true),
        (.poolShutDown, nil, true),
        (.serverError, "08006", true), // connection failure
        (.serverError, "57P01", true), // admin shutdown
        (.serverError, "57P03", true), // cannot connect now (starting up)
        (.serverError, "25006", true), // read-only transaction: a standby, or a demoted primary
        (.serverError, "23505", false), // unique violation: the request's own
        (.serverError, "42P01", false), // undefined table: a bug
        (.decodingFailed, nil, false),
        (.misuse, nil, false),
    ])
    func classifies(code: PostgresError.Code, sqlState: String?, unavailable: Bool) {
        #expect(PostgresError(code: code, message: "m", sqlState: sqlState).isUnavailable == unavailable)
    }
}
