import Testing
@testable import SluiceCore

@Suite struct BackoffTests {
    @Test func delaysGrowAndStayWithinTheCap() {
        let backoff = Backoff(initial: .milliseconds(100), maximum: .seconds(2), multiplier: 2)
        for attempt in 0..<20 {
            let cap = min(2.0, 0.1 * Double(1 << min(attempt, 30)))
            for _ in 0..<50 {
                let delay = backoff.delay(forAttempt: attempt).seconds
                #expect(delay >= cap / 2 - 1e-9 && delay <= cap + 1e-9, "attempt \(attempt): \(delay) outside [\(cap / 2), \(cap)]")
            }
        }
    }

    @Test func jitterSpreadsReplicas() {
        let backoff = Backoff()
        let delays = Set((0..<100).map { _ in backoff.delay(forAttempt: 5) })
        #expect(delays.count > 90)
    }
}
