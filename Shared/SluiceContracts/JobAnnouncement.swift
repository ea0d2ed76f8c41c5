import Foundation

/// A job's change as announced (PostgreSQL `NOTIFY`) on ``channel``:
/// `{"job_id", "status", "stage"}`. Sent when the status changes, and when an attempt of
/// `stage` finishes without ending the job (the status is then the stage's still);
/// `stage` is null for a change no stage made (a cancel).
public struct JobAnnouncement: Codable, Sendable, Equatable {
    /// The channel the job store announces on and listeners (the gateway, tests, users) listen to.
    public static let channel = "sluice_job_events"

    public let jobID: UUID
    public let status: JobStatus
    public let stage: Stage?

    enum CodingKeys: String, CodingKey { case jobID = "job_id", status, stage }

    public init(jobID: UUID, status: JobStatus, stage: Stage?) {
        self.jobID = jobID
        self.status = status
        self.stage = stage
    }

    /// The announcement a notification's payload carries, or nil for another payload.
    public init?(payload: String) {
        guard let decoded = try? JSONDecoder().decode(Self.self, from: Data(payload.utf8)) else { return nil }
        self = decoded
    }

    /// The notification's payload (`stage` written as null when there is none).
    public var payload: String {
        let stageJSON = stage.map { "\"\($0.rawValue)\"" } ?? "null"
        return #"{"job_id":"\#(jobID.uuidString.lowercased())","status":"\#(status.rawValue)","stage":\#(stageJSON)}"#
    }
}
