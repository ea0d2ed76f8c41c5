import Foundation

/// A job's change of status as announced on ``JobStore/eventsChannel``:
/// `{"job_id", "status", "stage"}` (`stage` null for a change no stage made).
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
