import Prometheus
import Testing

/// What the stage runners count, read back in the Prometheus text format that `/metrics` serves.
@Suite struct StageMetricsTests {
    @Test func runnersCountMessagesAttemptsRecordsAndTimes() async throws {
        let registry = PrometheusCollectorRegistry()
        try await withPipeline(metricsRegistry: registry) { pipeline in
            let done = try await pipeline.submit(input: "input")
            let flaky = try await pipeline.submit(input: "input\nflaky:spark:1")
            let invalid = try await pipeline.submit(input: "input\nfail:normalize")
            for job in [done, flaky, invalid] { try await pipeline.waitForCompletion(of: job.jobID) }
        }
        // Read once the runners have shut down: a job's completion is announced at its
        // commit, a moment before its runner counts it and acknowledges its message.
        let text = registry.emitToString()
        let value = { (line: String) in Self.value(of: line, in: text) }
        #expect(value(#"sluice_messages_total{stage="validate",event="consumed"}"#) == 3)
        #expect(value(#"sluice_messages_total{stage="validate",event="acked"}"#) == 3)
        #expect(value(#"sluice_stage_attempts_total{stage="normalize",outcome="failed"}"#) == 1)
        // The flaky spark stage: two deliveries (the retry came back through the tier), one retried attempt.
        #expect(value(#"sluice_messages_total{stage="spark",event="consumed"}"#) == 3)
        #expect(value(#"sluice_messages_total{stage="spark",event="retried"}"#) == 1)
        #expect(value(#"sluice_stage_attempts_total{stage="spark",outcome="retried"}"#) == 1)
        #expect(value(#"sluice_stage_attempts_total{stage="analyze",outcome="succeeded"}"#) == 2)
        #expect(value(#"sluice_stage_duration_seconds_count{stage="analyze"}"#) == 2)
        #expect(value(#"sluice_queue_wait_seconds_count{stage="spark"}"#) == 3)
        #expect(value(#"sluice_stage_device_total{stage="validate",device="cpu",reason=""}"#) == 3)
        // EchoStage puts out one line more than it read: 2 + 3 + 3 at validate.
        #expect(value(#"sluice_records_total{stage="validate"}"#) == 8)
    }

    /// The value on the line that starts with `series`, or nil when there is none.
    private static func value(of series: String, in text: String) -> Double? {
        text.split(separator: "\n").first { $0.hasPrefix(series + " ") }.flatMap { Double($0.split(separator: " ").last ?? "") }
    }
}
