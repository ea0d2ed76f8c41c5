import Foundation
import SluiceClient
import SluiceCore

/// What `sluice watch` and `sluice submit --wait` show of a job's events: one row per
/// stage attempt (stage, outcome, elapsed or service time, records, device).
///
/// On a terminal the rows are redrawn in place (``frame(at:)``, which also ticks the
/// elapsed time of a running stage); otherwise each event is one plain line
/// (``line(for:at:)``), for logs and pipes, stamped with the event's time since the job
/// was submitted.
struct ProgressBoard: Sendable {
    private struct Row: Sendable {
        let stage: String
        let attempt: Int
        let seenAt: ContinuousClock.Instant
        var outcome = "running"
        var serviceSeconds: Double?
        var records: Int?
        var device: String?
        var error: String?
    }

    private var rows: [Row] = []
    private let started: ContinuousClock.Instant
    /// When the job was submitted, from the first event that tells (a job's
    /// `submitted_at`, else an attempt's `enqueued_at`): plain lines are stamped with
    /// each event's own time since then, so a finished job's history, which arrives all
    /// at once, keeps its real timings.
    private var submittedAt: Date?
    /// The job's status, from `status` and `end` events.
    private(set) var status = "queued"
    /// Whether the `end` event came: the job is over.
    private(set) var ended = false

    init(now: ContinuousClock.Instant = .now) {
        started = now
    }

    /// Takes in one event.
    mutating func apply(_ event: ServerSentEvent, at now: ContinuousClock.Instant = .now) {
        let object = event.object() ?? [:]
        if let submitted = Self.date(object["submitted_at"]) ?? Self.date(object["enqueued_at"]) {
            submittedAt = min(submittedAt ?? submitted, submitted)
        }
        switch event.name {
        case "status":
            status = object["status"] as? String ?? status
        case "end":
            status = object["status"] as? String ?? status
            ended = true
        case "stage_started":
            rows.append(Row(stage: object["stage"] as? String ?? "?", attempt: object["attempt"] as? Int ?? 0, seenAt: now))
        case "stage_finished":
            let stage = object["stage"] as? String, attempt = object["attempt"] as? Int
            guard let index = rows.lastIndex(where: { $0.stage == stage && $0.attempt == attempt }) else { return }
            rows[index].outcome = object["outcome"] as? String ?? "?"
            rows[index].serviceSeconds = object["service_seconds"] as? Double
            rows[index].records = object["records_out"] as? Int
            rows[index].device = object["device"] as? String
            rows[index].error = object["error"] as? String
        default:
            break
        }
    }

    /// The plain line for `event` (after ``apply(_:at:)``), or nil for one that tells nothing new.
    func line(for event: ServerSentEvent, at now: ContinuousClock.Instant = .now) -> String? {
        let object = event.object() ?? [:]
        let clock = "[\((Self.eventTime(event.name, object).flatMap(sinceSubmitted) ?? Self.seconds(now - started)).leftPadded(to: 8))]"
        switch event.name {
        case "status": return "\(clock) job \(status)"
        case "end": return "\(clock) job \(status)\((object["error"] as? String).map { ": \($0)" } ?? "")"
        case "stage_started":
            // A line per event: the start is news, an elapsed time of 0 is not.
            let stage = object["stage"] as? String, attempt = object["attempt"] as? Int
            return rows.last { $0.stage == stage && $0.attempt == attempt }.map { "\(clock) \(Self.label($0)) started" }
        case "stage_finished":
            let stage = object["stage"] as? String, attempt = object["attempt"] as? Int
            return rows.last { $0.stage == stage && $0.attempt == attempt }.map { "\(clock) \(describe($0, at: now))" }
        default: return nil
        }
    }

    /// The board as lines: a header, then one line per attempt.
    func frame(at now: ContinuousClock.Instant = .now) -> [String] {
        ["job \(status), \(Self.seconds(now - started)) elapsed"] + rows.map { "  " + describe($0, at: now) }
    }

    private static func label(_ row: Row) -> String {
        "\(row.stage) #\(row.attempt)".padding(toLength: 13, withPad: " ", startingAt: 0)
    }

    private func describe(_ row: Row, at now: ContinuousClock.Instant) -> String {
        let name = Self.label(row)
        guard row.outcome != "running" else { return "\(name) running    \(Self.seconds(now - row.seenAt).leftPadded(to: 8))" }
        var text = "\(name) \(row.outcome.padding(toLength: 10, withPad: " ", startingAt: 0)) \((row.serviceSeconds.map { String(format: "%.3f s", $0) } ?? "-").leftPadded(to: 8))"
        if let records = row.records { text += "  \(records) records" }
        if let device = row.device { text += " on \(device)" }
        if let error = row.error { text += "  (\(error))" }
        return text
    }

    /// When the event happened, by the job's or the attempt's own timestamps.
    private static func eventTime(_ name: String, _ object: [String: Any]) -> Date? {
        switch name {
        case "status": date(object["started_at"]) ?? date(object["submitted_at"])
        case "stage_started": date(object["started_at"])
        case "stage_finished", "end": date(object["finished_at"])
        default: nil
        }
    }

    private func sinceSubmitted(_ time: Date) -> String? {
        submittedAt.map { String(format: "%.1f s", max(0, time.timeIntervalSince($0))) }
    }

    private static func date(_ value: Any?) -> Date? {
        guard let text = value as? String else { return nil }
        return try? Date.ISO8601FormatStyle(includingFractionalSeconds: true).parse(text)
    }

    private static func seconds(_ duration: Duration) -> String {
        String(format: "%.1f s", duration.seconds)
    }
}
