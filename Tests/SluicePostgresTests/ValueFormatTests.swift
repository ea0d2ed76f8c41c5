import Foundation
import Testing
@testable import SluicePostgres

@Suite("Text formats (no server)")
struct ValueFormatTests {
    @Test(arguments: [
        (0.0, "1970-01-01 00:00:00.000000+00"),
        (-0.000001, "1969-12-31 23:59:59.999999+00"),
        (951_782_400.5, "2000-02-29 00:00:00.500000+00"),
        (4_102_444_799.123456, "2099-12-31 23:59:59.123456+00"),
    ])
    func timestampsFormatInUTCWithMicroseconds(seconds: Double, text: String) throws {
        let date = Date(timeIntervalSince1970: seconds)
        #expect(PostgresTimestamp.format(date) == text)
        let parsed = try #require(PostgresTimestamp.parse(text))
        #expect(abs(parsed.timeIntervalSince1970 - seconds) < 1e-6)
    }

    @Test func timestampsParseOffsetsFractionsAndPlainTimestamps() throws {
        let utc = try #require(PostgresTimestamp.parse("2024-03-01 12:00:00+00"))
        #expect(PostgresTimestamp.parse("2024-03-01 17:30:00+05:30") == utc)
        #expect(PostgresTimestamp.parse("2024-03-01 04:00:00-08") == utc)
        #expect(PostgresTimestamp.parse("2024-03-01 12:00:00") == utc)
        let fraction = try #require(PostgresTimestamp.parse("2024-03-01 12:00:00.25+00"))
        #expect(fraction.timeIntervalSince(utc) == 0.25)
        for malformed in ["infinity", "2024-03-01", "2024-13-01 00:00:00+00", "2024-03-01 12:00:00+00 BC", "2024-03-01T12:00:00Z"] {
            #expect(PostgresTimestamp.parse(malformed) == nil, "\(malformed)")
        }
    }

    @Test func byteaUsesHexFormat() {
        let bytes = [UInt8](0...255)
        let text = PostgresBytes.hex(bytes)
        #expect(text.hasPrefix(#"\x000102"#))
        #expect(text.hasSuffix("fdfeff"))
        #expect(PostgresBytes.parseHex(text) == bytes)
        #expect(PostgresBytes.parseHex(#"\xABcd"#) == [0xAB, 0xCD])
        #expect(PostgresBytes.parseHex(#"\x0"#) == nil)
        #expect(PostgresBytes.parseHex("00") == nil)
    }

    @Test func doublesKeepSpecialValuesAndPrecision() {
        #expect(Double.nan.postgresText == "NaN")
        #expect(Double.infinity.postgresText == "Infinity")
        #expect((-Double.infinity).postgresText == "-Infinity")
        #expect(Double(postgresText: "NaN")?.isNaN == true)
        #expect(Double(postgresText: "-Infinity") == -.infinity)
        #expect(Double(postgresText: 0.1.postgresText!) == 0.1)
        #expect(Double(postgresText: "abc") == nil)
    }

    @Test func decodingRejectsMalformedText() {
        #expect(Bool(postgresText: "t") == true)
        #expect(Bool(postgresText: "f") == false)
        #expect(Bool(postgresText: "yes") == nil)
        #expect(Int(postgresText: "12.5") == nil)
        #expect(Int32(postgresText: "3000000000") == nil)
        #expect(UUID(postgresText: "not-a-uuid") == nil)
        #expect(Int?.postgresNull == .some(nil))
        #expect(Int.postgresNull == nil)
    }
}
