import Foundation
import Prometheus
import SluiceContracts
import SluiceCore
import SluiceObservability

/// One stage worker's metrics, made once in a Prometheus registry (each with its `# HELP`
/// line) with the stage as a fixed label, and served on `/metrics`:
///
/// | metric | kind | what it counts |
/// |---|---|---|
/// | `sluice_messages_total{stage, event}` | counter | `consumed`, `acked`, `retried` (parked in a retry tier), `dead_lettered`, `redelivered` (a worker died holding it) |
/// | `sluice_stage_attempts_total{stage, outcome}` | counter | attempts that `succeeded`, were `retried` or `failed` |
/// | `sluice_stage_duration_seconds{stage}` | histogram | the handler's service time |
/// | `sluice_queue_wait_seconds{stage}` | histogram | from the message's `enqueued_at` to its claim |
/// | `sluice_records_total{stage}` | counter | records the stage put out |
/// | `sluice_records_per_second{stage}` | gauge | the last attempt's records over its service time |
/// | `sluice_stage_device_total{stage, device, reason}` | counter | succeeded attempts by the device that ran them (``DeviceLabels``) |
/// | `sluice_stage_attempts_in_flight{stage}` | gauge | attempts this worker is running now |
/// | `sluice_stage_failures_total{stage, cause}` | counter | failed attempts (retried or failing the job) by ``FailureCause`` |
struct StageMetrics: Sendable {
    /// The histograms' buckets: 5 ms to 10 min.
    static let durationBuckets: [Duration] = [
        .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(250),
        .milliseconds(500), .seconds(1), .seconds(2.5), .seconds(5), .seconds(10), .seconds(30), .seconds(60), .seconds(120), .seconds(600),
    ]

    private let stage: String
    private let registry: PrometheusCollectorRegistry
    let consumed: Counter
    let acked: Counter
    let retried: Counter
    let deadLettered: Counter
    let redelivered: Counter
    let succeeded: Counter
    let attemptsRetried: Counter
    let failed: Counter
    let serviceTime: DurationHistogram
    let queueWait: DurationHistogram
    let records: Counter
    let recordsPerSecond: Gauge
    let attemptsInFlight: Gauge

    /// - Parameter registry: where the metrics go; by default the one every service's `/metrics` serves.
    init(stage: Stage, registry: PrometheusCollectorRegistry = PrometheusMetricsFactory.defaultRegistry) {
        self.stage = stage.rawValue
        self.registry = registry
        let stageLabel = ("stage", stage.rawValue)
        func messages(_ event: String) -> Counter {
            registry.makeCounter(descriptor: .sluice("sluice_messages_total", help: "Stage messages by what became of them"), labels: [stageLabel, ("event", event)])
        }
        func attempts(_ outcome: String) -> Counter {
            registry.makeCounter(descriptor: .sluice("sluice_stage_attempts_total", help: "Stage attempts by outcome"), labels: [stageLabel, ("outcome", outcome)])
        }
        consumed = messages("consumed")
        acked = messages("acked")
        retried = messages("retried")
        deadLettered = messages("dead_lettered")
        redelivered = messages("redelivered")
        succeeded = attempts("succeeded")
        attemptsRetried = attempts("retried")
        failed = attempts("failed")
        serviceTime = registry.makeDurationHistogram(descriptor: .sluice("sluice_stage_duration_seconds", help: "The stage handler's service time per attempt"), labels: [stageLabel], buckets: Self.durationBuckets)
        queueWait = registry.makeDurationHistogram(descriptor: .sluice("sluice_queue_wait_seconds", help: "From a stage message's enqueued_at to its claim"), labels: [stageLabel], buckets: Self.durationBuckets)
        records = registry.makeCounter(descriptor: .sluice("sluice_records_total", help: "Records the stage put out"), labels: [stageLabel])
        recordsPerSecond = registry.makeGauge(descriptor: .sluice("sluice_records_per_second", help: "The last succeeded attempt's records over its service time"), labels: [stageLabel])
        attemptsInFlight = registry.makeGauge(descriptor: .sluice("sluice_stage_attempts_in_flight", help: "Stage attempts this worker is running now"), labels: [stageLabel])
        // Every cause from the start, so that a rate over them has a series before the first failure.
        for cause in FailureCause.allCases { _ = failures(cause) }
    }

    /// The counter of failed attempts for `cause`.
    func failures(_ cause: FailureCause) -> Counter {
        registry.makeCounter(descriptor: .sluice("sluice_stage_failures_total", help: "Failed stage attempts by cause"), labels: [("stage", stage), ("cause", cause.rawValue)])
    }

    /// Records a succeeded attempt: its service time, and the records and device when the stage has them.
    func recordSuccess(serviceTime duration: Duration, records count: Int?, device: String?) {
        succeeded.increment()
        serviceTime.record(duration)
        if let count {
            records.increment(by: Int64(count))
            recordsPerSecond.set(to: Double(count) / max(duration.seconds, 1e-9))
        }
        if let device {
            let labels = DeviceLabels(device)
            // The registry hands back the same counter for the same labels.
            registry.makeCounter(descriptor: .sluice("sluice_stage_device_total", help: "Succeeded stage attempts by the device that ran them"), labels: [("stage", stage), ("device", labels.device), ("reason", labels.reason)]).increment()
        }
    }

    /// Records how long the message waited in the queue before its claim.
    func recordQueueWait(since enqueuedAt: Date) {
        queueWait.record(.seconds(max(0, Date().timeIntervalSince(enqueuedAt))))
    }
}

/// A stage attempt's device (`stage_attempts.device`: `cpu`, `cpu (below
/// SLUICE_GPU_MIN_RECORDS)`, `cuda:0 (NVIDIA H200)`, `spark:local[2]`, …) as bounded
/// metric labels: `device` is `cpu`, `cuda:N` or `spark`; `reason` is why the CPU ran the
/// job (the normalizer's `DeviceChoice`) as a short code (`gpu_disabled`, `no_gpu`,
/// `below_min_records`, `too_many_categories`, `gpu_error`, `other`), empty otherwise.
struct DeviceLabels: Equatable {
    let device: String
    let reason: String

    init(_ text: String) {
        let name = text.prefix { $0 != " " }
        if name.hasPrefix("spark") {
            device = "spark"
        } else if name.hasPrefix("cuda:"), Int(name.dropFirst(5)) != nil {
            device = String(name)
        } else if name == "cpu" {
            device = "cpu"
        } else {
            device = "other"
        }
        guard device == "cpu", let open = text.firstIndex(of: "(") else {
            reason = ""
            return
        }
        let why = text[text.index(after: open)...].lowercased()
        reason = if why.contains("gpu_enabled") { "gpu_disabled" }
            else if why.hasPrefix("no gpu") { "no_gpu" }
            else if why.contains("min_records") { "below_min_records" }
            else if why.contains("categories") { "too_many_categories" }
            else if why.hasPrefix("gpu_error") { "gpu_error" }
            else { "other" }
    }
}
