import Foundation

/// The message that hands a job to a stage. It names the job and carries no data:
/// the stage finds the job's artifacts by its id (claim check).
///
/// JSON: `{"job_id", "stage", "attempt", "trace_id", "submitted_at", "enqueued_at"}`.
public struct StageMessage: Codable, Sendable, Hashable {
    /// The job.
    public var jobID: UUID
    /// The stage this message is for.
    public var stage: Stage
    /// 1 for the first try of this stage, counting up with each retry.
    public var attempt: Int
    /// Follows the job through every service's logs.
    public var traceID: String
    /// When the job was submitted.
    public var submittedAt: Date
    /// When this message was published, so queue wait can be measured.
    public var enqueuedAt: Date

    /// Creates a message.
    public init(jobID: UUID, stage: Stage, attempt: Int = 1, traceID: String, submittedAt: Date, enqueuedAt: Date = Date()) {
        self.jobID = jobID
        self.stage = stage
        self.attempt = attempt
        self.traceID = traceID
        self.submittedAt = submittedAt
        self.enqueuedAt = enqueuedAt
    }

    /// Unique per job, stage and attempt, so a republished message is recognisably the same.
    public var messageID: String { "\(jobID.uuidString.lowercased()).\(stage.rawValue).\(attempt)" }

    /// The message that hands the same job to `stage`, first attempt.
    public func handOff(to stage: Stage, at date: Date = Date()) -> StageMessage {
        StageMessage(jobID: jobID, stage: stage, attempt: 1, traceID: traceID, submittedAt: submittedAt, enqueuedAt: date)
    }

    /// The message that runs the same stage again as its next attempt.
    public func nextAttempt(at date: Date = Date()) -> StageMessage {
        StageMessage(jobID: jobID, stage: stage, attempt: attempt + 1, traceID: traceID, submittedAt: submittedAt, enqueuedAt: date)
    }

    enum CodingKeys: String, CodingKey {
        case jobID = "job_id"
        case stage, attempt
        case traceID = "trace_id"
        case submittedAt = "submitted_at"
        case enqueuedAt = "enqueued_at"
    }

    /// The JSON body.
    public func encoded() throws -> [UInt8] {
        Array(try Self.encoder.encode(self))
    }

    /// Decodes a JSON body.
    public static func decode(_ body: [UInt8]) throws -> StageMessage {
        try decoder.decode(StageMessage.self, from: Data(body))
    }

    private static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .custom { date, encoder in
            var container = encoder.singleValueContainer()
            try container.encode(date.formatted(.iso8601.year().month().day().time(includingFractionalSeconds: true)))
        }
        encoder.outputFormatting = .sortedKeys
        return encoder
    }()

    private static let decoder: JSONDecoder = {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .custom { decoder in
            let text = try decoder.singleValueContainer().decode(String.self)
            if let date = try? Date(text, strategy: .iso8601.year().month().day().time(includingFractionalSeconds: true)) {
                return date
            }
            return try Date(text, strategy: .iso8601)
        }
        return decoder
    }()
}
