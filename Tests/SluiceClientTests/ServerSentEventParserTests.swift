import SluiceClient
import Testing

/// The event-stream reader, on streams cut into pieces anywhere.
@Suite struct ServerSentEventParserTests {
    static let stream = "event: stage_started\ndata: {\"stage\": \"validate\"}\n\n: keep-alive\n\r\nid: 7\r\nevent:end\r\ndata: first\r\ndata:  second\r\nretry: 10\r\n\r\ndata: plain\r\r"
    static let expected = [
        ServerSentEvent(name: "stage_started", data: #"{"stage": "validate"}"#),
        ServerSentEvent(name: "end", data: "first\n second"),
        ServerSentEvent(name: "message", data: "plain"),
    ]

    @Test(arguments: [1, 2, 3, 7, 1000])
    func piecesOfAnySizeGiveTheSameEvents(pieceSize: Int) {
        var parser = ServerSentEventParser()
        let bytes = Array(Self.stream.utf8)
        var events: [ServerSentEvent] = []
        for start in stride(from: 0, to: bytes.count, by: pieceSize) {
            events += parser.feed(bytes[start..<min(start + pieceSize, bytes.count)])
        }
        #expect(events == Self.expected)
    }

    @Test func anEventWithoutItsBlankLineIsNotToldYet() {
        var parser = ServerSentEventParser()
        #expect(parser.feed(Array("event: end\ndata: x\n".utf8)).isEmpty)
        #expect(parser.feed(Array("\n".utf8)) == [ServerSentEvent(name: "end", data: "x")])
    }

    @Test func aMultiByteCharacterCutInTwoSurvives() {
        var parser = ServerSentEventParser()
        let bytes = Array("data: café\n\n".utf8)
        let cut = bytes.firstIndex(of: 0xC3)! + 1
        #expect(parser.feed(bytes[..<cut]).isEmpty)
        #expect(parser.feed(bytes[cut...]) == [ServerSentEvent(name: "message", data: "café")])
    }
}
