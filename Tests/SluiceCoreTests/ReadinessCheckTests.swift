import SluiceCore
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
        let started = ContinuousClock.now
        let results = await ReadinessCheck.evaluate([
            // Bounded, so that waiting for it shows as a wrong answer rather than a hang.
            ReadinessCheck("hung") { try await Task.sleep(for: .seconds(20)) },
            ReadinessCheck("up") {},
        ], within: .milliseconds(200))
        #expect(results == ["hung": "no answer within 0.2 seconds", "up": ReadinessCheck.passed])
        #expect(ContinuousClock.now - started < .seconds(15), "the answer waited for the hung probe")
    }
}
