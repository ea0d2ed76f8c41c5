import Foundation
import Logging
import SluiceObservability
import Synchronization
import Testing

/// The JSON-lines log format (`SLUICE_LOG_FORMAT=json`): one object a line, metadata as fields.
@Suite struct JSONLinesLogHandlerTests {
    @Test func eachRecordIsOneObjectOnALineWithItsMetadataAsFields() throws {
        let lines = Mutex<[Data]>([])
        var logger = Logger(label: "sluice.test") { label in JSONLinesLogHandler(label: label) { line in lines.withLock { $0.append(line) } } }
        logger[metadataKey: "job_id"] = "0b7c"
        logger.info("stage succeeded", metadata: ["trace_id": "t-1", "stage.records": "3", "nested": ["a": "1"]])
        logger.debug("below the level: not written")
        logger.warning("a \"quoted\"\nmessage")

        let written = lines.withLock { $0 }
        #expect(written.count == 2)
        #expect(written.allSatisfy { $0.last == UInt8(ascii: "\n") && $0.dropLast().allSatisfy { $0 != UInt8(ascii: "\n") } })
        let first = try #require(try JSONSerialization.jsonObject(with: written[0]) as? [String: Any])
        #expect(first["message"] as? String == "stage succeeded" && first["level"] as? String == "info" && first["label"] as? String == "sluice.test")
        #expect(first["job_id"] as? String == "0b7c" && first["trace_id"] as? String == "t-1" && first["stage.records"] as? String == "3")
        #expect((first["nested"] as? [String: Any])?["a"] as? String == "1")
        #expect((first["ts"] as? String).flatMap { try? Date($0, strategy: .iso8601) } != nil)
        let second = try #require(try JSONSerialization.jsonObject(with: written[1]) as? [String: Any])
        #expect(second["message"] as? String == "a \"quoted\"\nmessage" && second["level"] as? String == "warning")
    }

    @Test func unknownSettingsAreRefusedWithTheirName() {
        #expect { _ = try Observability.bootstrap(label: "x", environment: ["SLUICE_LOG_FORMAT": "xml"]) } throws: { "\($0)".contains("SLUICE_LOG_FORMAT='xml'") }
        #expect { _ = try Observability.bootstrap(label: "x", environment: ["SLUICE_LOG_LEVEL": "loud"]) } throws: { "\($0)".contains("SLUICE_LOG_LEVEL='loud'") }
    }
}
