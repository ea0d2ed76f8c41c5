import Foundation
import Hummingbird
import Logging
import SluiceAMQP
import SluiceContracts
import SluiceJobs

/// `GET /api/v1/dead-letters` (what failed for good, where and why, oldest first) and
/// `POST /api/v1/dead-letters/replay` (run the failed jobs again from their stage:
/// ``DeadLetters``, as `sluice dlq replay` does). A key sees the letters of its owner's
/// jobs; only an admin key sees letters that name no job, and only an admin key replays.
struct DeadLetterRoutes: Sendable {
    let letters: DeadLetters
    let history: JobHistory

    /// The most letters one request reads or replays.
    static let maxLimit = 200

    func register(on router: Router<GatewayRequestContext>) {
        router.get("api/v1/dead-letters") { request, context in try await self.list(request, owner: context.visibleOwner) }
        router.post("api/v1/dead-letters/replay") { request, context in try await self.replay(request, context: context) }
    }

    func list(_ request: Request, owner: String?) async throws -> DeadLetterList {
        var parameters = QueryParameters(request)
        let limit = try parameters.integer("limit", in: 1...Self.maxLimit) ?? 50
        try parameters.expectNoneLeft(known: "limit")
        let all = try await brokerCall { try await letters.list(limit: limit) }
        let statuses = try await history.statuses(of: all.compactMap(\.message?.jobID), owner: owner)
        let visible = all.filter { letter in letter.message.map { statuses[$0.jobID] != nil } ?? (owner == nil) }
        return DeadLetterList(deadLetters: visible.map { DeadLetterList.Letter($0, jobStatus: $0.message.flatMap { statuses[$0.jobID] }) })
    }

    func replay(_ request: Request, context: GatewayRequestContext) async throws -> ReplayAnswer {
        if let key = context.apiKey, key.scope != .admin {
            throw GatewayError.forbidden("the key '\(key.name)' cannot replay dead letters; that needs an admin key")
        }
        let body = try await request.decode(as: ReplayRequest.self, context: context)
        guard (1...Self.maxLimit).contains(body.limit) else {
            throw GatewayError.invalidParameter("limit", "must be a whole number from 1 to \(Self.maxLimit); found \(body.limit)")
        }
        var answer = ReplayAnswer()
        for (letter, outcome) in try await brokerCall({ try await letters.replay(limit: body.limit) }) {
            let jobID = letter.message?.jobID.uuidString.lowercased()
            switch outcome {
            case .requeued(let stage, let attempt): answer.replayed.append(.init(jobID: jobID ?? "", stage: stage, attempt: attempt))
            case .kept(let why): answer.kept.append(.init(jobID: jobID, reason: why))
            }
        }
        return answer
    }

    private func brokerCall<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as AMQPError {
            throw GatewayError.unavailable("the broker cannot be reached now (\(error)); try again")
        }
    }
}

/// The body of `POST /api/v1/dead-letters/replay`; an empty object replays up to 50.
struct ReplayRequest: Decodable {
    var limit = 50

    enum CodingKeys: String, CodingKey { case limit }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        limit = try container.decodeIfPresent(Int.self, forKey: .limit) ?? limit
    }
}

/// The body of `GET /api/v1/dead-letters`.
struct DeadLetterList: ResponseEncodable {
    /// One dead-lettered message: its job (when it is a stage message), stage, cause, error and attempts.
    struct Letter: Encodable {
        let messageID: String?
        let jobID: String?
        let jobStatus: JobStatus?
        let stage: String?
        let cause: String?
        let error: String?
        let attempts: Int64?

        init(_ letter: DeadLetters.Letter, jobStatus: JobStatus?) {
            messageID = letter.messageID
            jobID = letter.message?.jobID.uuidString.lowercased()
            self.jobStatus = jobStatus
            stage = letter.stage
            cause = letter.cause
            error = letter.error
            attempts = letter.attempts
        }

        enum CodingKeys: String, CodingKey {
            case messageID = "message_id", jobID = "job_id", jobStatus = "job_status", stage, cause, error, attempts
        }
    }

    let deadLetters: [Letter]

    enum CodingKeys: String, CodingKey { case deadLetters = "dead_letters" }
}

/// The body of a replay's answer: the letters replayed (their job queued again) and those kept.
struct ReplayAnswer: ResponseEncodable {
    struct Replayed: Encodable {
        let jobID: String
        let stage: Stage
        let attempt: Int
        enum CodingKeys: String, CodingKey { case jobID = "job_id", stage, attempt }
    }

    struct Kept: Encodable {
        let jobID: String?
        let reason: String
        enum CodingKeys: String, CodingKey { case jobID = "job_id", reason }
    }

    var replayed: [Replayed] = []
    var kept: [Kept] = []
}
