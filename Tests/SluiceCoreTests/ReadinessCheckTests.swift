import SluiceCore
import Synchronization
import Testing

@Suite struct ReadinessCheckTests {
    private struct Down: Error, CustomStringConvertible {
        var description: String { "down for maintenance" }
    }

    @Test func eachCheckReportsItsOwnOutcome() async {
        let results = await ReadinessCheck.evaluate([
            ReadinessCheck("up") {},
            ReadinessCheck("down") { throw Down() },
        ])
        #expect(results == ["up": ReadinessCheck.passed, "down": "down for maintenance"])
    }

    @Test func aProbeThatHangsIsReportedWithoutWaitingForIt() async {
        // The hung probe answers only when released: by the test once the evaluation has
        // returned, or, should the evaluation wait for it, by a backstop a minute later,
        // which the probe records. No clock is read: a loaded machine makes one unreliable.
        let (released, release) = AsyncStream.makeStream(of: Never.self)
        let answered = Mutex(false)
        let backstop = Task {
            try? await Task.sleep(for: .seconds(60))
            release.finish()
        }
        let results = await ReadinessCheck.evaluate([
            ReadinessCheck("hung") {
                for await _ in released {}
                answered.withLock { $0 = true }
            },
            ReadinessCheck("up") {},
        ], within: .milliseconds(200))
        #expect(!answered.withLock { $0 }, "the evaluation waited for the hung probe")
        backstop.cancel()
        release.finish()
        #expect(results == ["hung": "no answer within 0.2 seconds", "up": ReadinessCheck.passed])
    }
}
