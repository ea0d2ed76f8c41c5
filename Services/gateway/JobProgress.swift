import Foundation
import SluiceContracts

/// Turns successive readings of a job into the Server-Sent Events of
/// `GET /api/v1/jobs/{id}/events`, each told once however often the job is re-read:
/// `status` (the job as ``JobHistory/Job`` lists it) when its status changes,
/// `stage_started` and `stage_finished` (an attempt as ``StageAttempt`` lists it,
/// with its records and timings), then `end` (the job) once it is completed, failed or
/// cancelled.
struct JobProgress {
    /// One event, in the `text/event-stream` format.
    struct Event: Equatable {
        let name: String
        let json: String

        /// `event: <name>` and one `data:` line (JSON has no raw line breaks), then a blank line.
        var text: String { "event: \(name)\ndata: \(json)\n\n" }
    }

    private struct AttemptKey: Hashable {
        let stage: Stage
        let attempt: Int
    }

    private var started: Set<AttemptKey> = []
    private var finished: Set<AttemptKey> = []
    private var status: JobStatus?
    /// Whether `end` was told: nothing follows it.
    private(set) var ended = false

    /// The events that `job` and its `attempts`, as read now, add to those told before.
    mutating func events(job: JobHistory.Job, attempts: [StageAttempt]) throws -> [Event] {
        guard !ended else { return [] }
        let encoder = JSONBody.encoder()
        var events: [Event] = []
        let isFinal = job.status.isFinal
        if job.status != status, !isFinal {
            events.append(Event(name: "status", json: try encoder.encodedText(job)))
        }
        status = job.status
        for attempt in attempts {
            let key = AttemptKey(stage: attempt.stage, attempt: attempt.attempt)
            if started.insert(key).inserted {
                events.append(Event(name: "stage_started", json: try encoder.encodedText(attempt)))
            }
            if attempt.outcome != .running, finished.insert(key).inserted {
                events.append(Event(name: "stage_finished", json: try encoder.encodedText(attempt)))
            }
        }
        if isFinal {
            ended = true
            events.append(Event(name: "end", json: try encoder.encodedText(job)))
        }
        return events
    }
}

extension JSONEncoder {
    fileprivate func encodedText(_ value: some Encodable) throws -> String {
        String(decoding: try encode(value), as: UTF8.self)
    }
}
