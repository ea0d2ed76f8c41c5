import Logging
import SluiceObservability
import Synchronization
import Testing

/// The text log format keeps a record on one line, whatever its message holds.
@Suite struct OneLineLogHandlerTests {
    /// What the recorder was given.
    final class Events: Sendable {
        let list = Mutex<[(message: String, metadata: Logger.Metadata)]>([])
    }

    /// Keeps what it is given, as the handler that prints would get it.
    struct Recorder: LogHandler {
        let events: Events
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .info
        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }
        func log(event: LogEvent) {
            events.list.withLock { $0.append(("\(event.message)", metadata.merging(event.metadata ?? [:]) { $1 })) }
        }
    }

    @Test func lineBreaksInMessagesAndMetadataAreWrittenAsEscapes() {
        let recorder = Recorder(events: Events())
        var logger = Logger(label: "sluice.test") { _ in OneLineLogHandler(recorder) }
        logger[metadataKey: "job_id"] = "a\nb"
        // libpq's way: a message, then DETAIL and HINT lines, the last starting with a tab.
        logger.error("connection failed: server closed the connection\n\tThis probably means the server terminated abnormally\r\n", metadata: [
            "error": "line 1\nline 2", "plain": "unchanged", "list": ["x\ny"],
        ])
        logger.debug("below the level: not written")
        let written = recorder.events.list.withLock { $0 }
        #expect(written.count == 1)
        let event = written[0]
        #expect(event.message == "connection failed: server closed the connection\\n\tThis probably means the server terminated abnormally\\n")
        let expected: Logger.Metadata = ["error": "line 1\\nline 2", "plain": "unchanged", "job_id": "a\\nb", "list": ["x\\ny"]]
        #expect(event.metadata == expected)
        #expect(!event.message.contains { $0.isNewline })
    }
}
