import Foundation

/// A job's change as announced on ``JobStore/eventsChannel``: `{"job_id", "status", "stage"}`.
/// Sent when the status changes, and when an attempt of `stage` finishes without
/// ending the job (the status is then the stage's still); `stage` is null for a change
/// no stage made (a cancel).
public struct JobAnnouncement: Decodable, Sendable, Equatable {
    public let jobID: UUID
    public let status: String
    public let stage: String?

    enum CodingKeys: String, CodingKey { case jobID = "job_id", status, stage }

    /// The announcement a notification's payload carries, or nil for another payload.
    public init?(payload: String) {
        guard let decoded = try? JSONDecoder().decode(Self.self, from: Data(payload.utf8)) else { return nil }
        self = decoded
    }
}
