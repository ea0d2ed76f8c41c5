import Foundation
import Metrics
import SluiceContracts
import SluiceCore

/// One stage worker's metrics, created once with the stage as a fixed dimension and
/// exported by whatever backend `main` bootstrapped (Prometheus, on `/metrics`):
///
/// | metric | kind | what it counts |
/// |---|---|---|
/// | `sluice_messages_total{stage, event}` | counter | `consumed`, `acked`, `retried` (parked in a retry tier), `dead_lettered`, `redelivered` (a worker died holding it) |
/// | `sluice_stage_attempts_total{stage, outcome}` | counter | attempts that `succeeded`, were `retried` or `failed` |
/// | `sluice_stage_duration_seconds{stage}` | histogram | the handler's service time |
/// | `sluice_queue_wait_seconds{stage}` | histogram | from the message's `enqueued_at` to its claim |
/// | `sluice_records_total{stage}` | counter | records the stage put out |
/// | `sluice_records_per_second{stage}` | gauge | the last attempt's records over its service time |
/// | `sluice_stage_device_total{stage, device}` | counter | succeeded attempts by the device that ran them (`cpu`, `gpu`, `spark:local[2]` …) |
struct StageMetrics: Sendable {
    private let stage: String
    private let factory: any MetricsFactory
    let consumed: Counter
    let acked: Counter
    let retried: Counter
    let deadLettered: Counter
    let redelivered: Counter
    let succeeded: Counter
    let attemptsRetried: Counter
    let failed: Counter
    let serviceTime: Metrics.Timer
    let queueWait: Metrics.Timer
    let records: Counter
    let recordsPerSecond: Gauge

    /// - Parameter factory: where the metrics go; by default the one `main` bootstrapped.
    init(stage: Stage, factory: any MetricsFactory = MetricsSystem.factory) {
        self.stage = stage.rawValue
        self.factory = factory
        let stageDimension = ("stage", stage.rawValue)
        func messages(_ event: String) -> Counter {
            Counter(label: "sluice_messages_total", dimensions: [stageDimension, ("event", event)], factory: factory)
        }
        func attempts(_ outcome: String) -> Counter {
            Counter(label: "sluice_stage_attempts_total", dimensions: [stageDimension, ("outcome", outcome)], factory: factory)
        }
        consumed = messages("consumed")
        acked = messages("acked")
        retried = messages("retried")
        deadLettered = messages("dead_lettered")
        redelivered = messages("redelivered")
        succeeded = attempts("succeeded")
        attemptsRetried = attempts("retried")
        failed = attempts("failed")
        serviceTime = Metrics.Timer(label: "sluice_stage_duration_seconds", dimensions: [stageDimension], factory: factory)
        queueWait = Metrics.Timer(label: "sluice_queue_wait_seconds", dimensions: [stageDimension], factory: factory)
        records = Counter(label: "sluice_records_total", dimensions: [stageDimension], factory: factory)
        recordsPerSecond = Gauge(label: "sluice_records_per_second", dimensions: [stageDimension], factory: factory)
    }

    /// Records a succeeded attempt: its service time, and the records and device when the stage has them.
    func recordSuccess(serviceTime duration: Duration, records count: Int?, device: String?) {
        succeeded.increment()
        serviceTime.recordNanoseconds(Int64(duration.components.seconds) * 1_000_000_000 + duration.components.attoseconds / 1_000_000_000)
        if let count {
            records.increment(by: count)
            recordsPerSecond.record(Double(count) / max(duration.seconds, 1e-9))
        }
        if let device {
            // A Prometheus registry hands back the same counter for the same device.
            Counter(label: "sluice_stage_device_total", dimensions: [("stage", stage), ("device", device)], factory: factory).increment()
        }
    }

    /// Records how long the message waited in the queue before its claim.
    func recordQueueWait(since enqueuedAt: Date) {
        queueWait.recordSeconds(max(0, Date().timeIntervalSince(enqueuedAt)))
    }
}
