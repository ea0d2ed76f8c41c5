import Foundation
import Testing
@testable import spark_runner

/// The spark-runner's scheduling rules, driven without a driver process, a pipe or a
/// clock: each step is given its time and its actions are checked.
@Suite struct DriverSchedulerTests {
    typealias Scheduler = DriverScheduler<String, String>

    static let start = ContinuousClock.now

    static func at(_ milliseconds: Int) -> ContinuousClock.Instant { start + .milliseconds(milliseconds) }

    static func policy(
        concurrency: Int = 2, batchSize: Int = 4, linger: Duration = .milliseconds(50), maxJobs: Int? = nil, maxAge: Duration? = nil, cold: Bool = false
    ) -> Scheduler.Policy {
        .init(concurrency: concurrency, batchSize: batchSize, batchLinger: linger, maxJobs: maxJobs, maxAge: maxAge, cold: cold)
    }

    static func request(_ id: String, small: Bool = false, at milliseconds: Int = 0) -> Scheduler.Request {
        .init(id: id, object: Data(#"{"request_id":"\#(id)"}"#.utf8), batchable: small, queuedAt: at(milliseconds), waiter: id)
    }

    /// The lines written, as text.
    static func lines(_ actions: Scheduler.Actions) -> [String] {
        actions.writes.map { String(decoding: $0.line, as: UTF8.self) }
    }

    /// A scheduler whose first driver is warm.
    static func warm(_ policy: Scheduler.Policy) -> Scheduler {
        var scheduler = Scheduler(policy: policy)
        #expect(scheduler.awaitReady("service", at: at(0))?.launch == 1)
        #expect(scheduler.driverReady(generation: 1, at: at(0)).ready == ["service"])
        return scheduler
    }

    @Test func theFirstRequestStartsADriverAndIsWrittenOnceItIsReady() {
        var scheduler = Scheduler(policy: Self.policy())
        let first = scheduler.enqueue(Self.request("a"), at: Self.at(0))
        #expect(first.launch == 1 && first.writes.isEmpty)
        #expect(scheduler.enqueue(Self.request("b"), at: Self.at(1)).launch == nil, "one driver is started, not one per request")
        let (ready, actions) = scheduler.driverReady(generation: 1, at: Self.at(2))
        #expect(ready.isEmpty)
        #expect(Self.lines(actions) == [#"{"request_id":"a"}"# + "\n", #"{"request_id":"b"}"# + "\n"])
        #expect(actions.writes.allSatisfy { $0.generation == 1 })
        #expect(scheduler.driverReady(generation: 7, at: Self.at(3)).actions.writes.isEmpty, "an old generation's ready line changes nothing")
    }

    @Test func aLargeRequestWaitsForRoomBeyondTheConcurrency() {
        var scheduler = Self.warm(Self.policy(concurrency: 1))
        #expect(Self.lines(scheduler.enqueue(Self.request("a"), at: Self.at(1))).count == 1)
        #expect(scheduler.enqueue(Self.request("b"), at: Self.at(2)).writes.isEmpty)
        let (waiter, actions) = scheduler.replied("a", at: Self.at(3))
        #expect(waiter == "a")
        #expect(actions.writes.map(\.ids) == [["b"]])
        #expect(scheduler.replied("unknown", at: Self.at(4)).waiter == nil)
    }

    @Test func smallRequestsLingerForCompanyAndGoAsOneBatchLine() {
        var scheduler = Self.warm(Self.policy(batchSize: 3, linger: .milliseconds(50)))
        let first = scheduler.enqueue(Self.request("a", small: true, at: 10), at: Self.at(10))
        #expect(first.writes.isEmpty && first.wake == Self.at(60), "the first small request lingers until 50 ms after it came")
        #expect(scheduler.enqueue(Self.request("b", small: true, at: 20), at: Self.at(20)).wake == nil, "the wake-up is asked once")
        // The wake-up: two small ones, one line.
        let woke = scheduler.woke(at: Self.at(60))
        #expect(woke.writes.map(\.ids) == [["a", "b"]])
        #expect(Self.lines(woke) == [#"{"batch":[{"request_id":"a"},{"request_id":"b"}]}"# + "\n"])
        // A full batch goes at once, but only after the line of small ones in flight is answered.
        for id in ["c", "d", "e"] { #expect(scheduler.enqueue(Self.request(id, small: true, at: 61), at: Self.at(61)).writes.isEmpty) }
        _ = scheduler.replied("a", at: Self.at(70))
        #expect(scheduler.replied("b", at: Self.at(71)).actions.writes.map(\.ids) == [["c", "d", "e"]])
    }

    @Test func aLargeRequestRunsBesideTheSmallOnes() {
        var scheduler = Self.warm(Self.policy(concurrency: 2, batchSize: 2, linger: .zero))
        #expect(scheduler.enqueue(Self.request("small", small: true), at: Self.at(1)).writes.map(\.ids) == [["small"]])
        #expect(scheduler.enqueue(Self.request("large"), at: Self.at(2)).writes.map(\.ids) == [["large"]])
        #expect(scheduler.requestsInFlight == 2)
    }

    @Test func aDriverThatTookItsJobsIsReplacedOnceItHoldsNone() {
        var scheduler = Self.warm(Self.policy(concurrency: 2, maxJobs: 2))
        _ = scheduler.enqueue(Self.request("a"), at: Self.at(1))
        _ = scheduler.enqueue(Self.request("b"), at: Self.at(2))
        #expect(scheduler.driver?.retiring != nil)
        #expect(scheduler.enqueue(Self.request("c"), at: Self.at(3)).writes.isEmpty, "a retiring driver takes no more")
        #expect(scheduler.replied("a", at: Self.at(4)).actions.retire == nil, "it still holds b")
        let drained = scheduler.replied("b", at: Self.at(5)).actions
        #expect(drained.retire?.generation == 1 && drained.launch == 2)
        #expect(scheduler.driverReady(generation: 2, at: Self.at(6)).actions.writes.map(\.ids) == [["c"]])
    }

    @Test func aDriverOlderThanItsMaximumAgeIsReplacedOnlyAfterItHasServed() {
        var scheduler = Self.warm(Self.policy(maxAge: .seconds(1)))
        #expect(scheduler.tick(at: Self.at(5_000)).retire == nil, "a driver that has served no job is not old")
        #expect(scheduler.enqueue(Self.request("a"), at: Self.at(5_001)).writes.map(\.ids) == [["a"]])
        let aged = scheduler.replied("a", at: Self.at(5_002)).actions
        #expect(aged.retire?.generation == 1 && aged.launch == 2, "replaced once it holds nothing, its successor warm for the next job")
        #expect(scheduler.driverReady(generation: 2, at: Self.at(5_003)).actions.retire == nil)
    }

    @Test func aDriverThatDiesFailsEveryoneWaitingAndTheNextRequestStartsAnother() {
        var scheduler = Self.warm(Self.policy(concurrency: 1))
        _ = scheduler.enqueue(Self.request("a"), at: Self.at(1))
        _ = scheduler.enqueue(Self.request("b"), at: Self.at(2))
        #expect(scheduler.driverGone(generation: 9) == ([], []), "another generation's end fails nothing")
        let (ready, requests) = scheduler.driverGone(generation: 1)
        #expect(ready.isEmpty && Set(requests) == ["a", "b"])
        #expect(scheduler.driver == nil && scheduler.requestsInFlight == 0)
        #expect(scheduler.enqueue(Self.request("c"), at: Self.at(3)).launch == 2)
        #expect(scheduler.writeFailed(["c"], at: Self.at(4)).waiters.isEmpty, "c was not written yet")
    }

    @Test func inColdModeADriverIsStartedForAJobAndRetiredAfterIt() {
        var scheduler = Scheduler(policy: Self.policy(maxJobs: 1, cold: true))
        #expect(scheduler.enqueue(Self.request("a"), at: Self.at(0)).launch == 1)
        #expect(scheduler.driverReady(generation: 1, at: Self.at(1)).actions.writes.map(\.ids) == [["a"]])
        let done = scheduler.replied("a", at: Self.at(2)).actions
        #expect(done.retire?.generation == 1 && done.launch == nil, "nothing is started ahead of a job")
        #expect(scheduler.driver == nil)
        #expect(scheduler.enqueue(Self.request("b"), at: Self.at(3)).launch == 2)
    }

    @Test func stoppingHandsBackTheDriverAndEveryoneWaiting() {
        var scheduler = Self.warm(Self.policy(concurrency: 1))
        _ = scheduler.enqueue(Self.request("a"), at: Self.at(1))
        _ = scheduler.enqueue(Self.request("b"), at: Self.at(2))
        _ = scheduler.awaitReady("late", at: Self.at(3))
        let (driver, ready, requests) = scheduler.stop()
        #expect(driver?.generation == 1 && ready.isEmpty && Set(requests) == ["a", "b"])
        #expect(scheduler.driver == nil)
    }
}
