import Foundation
import HTTPTypes
import Hummingbird
import SluiceContracts
import SluiceCore
import SluiceRecords

/// `POST /api/v1/jobs` (202 at once) and the seed-compatible `POST /process` (waits
/// for the job, up to a limit).
struct SubmissionRoutes: Sendable {
    let submitter: JobSubmitter
    let events: JobEvents
    let history: JobHistory
    let limits: SubmissionLimits
    /// How long a client may take to send its body (then 408).
    let requestTimeout: Duration
    /// How long `POST /process` waits by default, and the most `?wait=` may ask for.
    let processWait: Duration
    let maxProcessWait: Duration

    func register(on router: Router<GatewayRequestContext>) {
        router.post("api/v1/jobs") { request, context in try await self.create(request, context: context) }
        router.post("process") { request, context in try await self.process(request, context: context) }
    }

    /// 202 with the job id and its `Location`, once the job is stored and queued.
    func create(_ request: Request, context: GatewayRequestContext) async throws -> EditedResponse<AcceptedAnswer> {
        let accepted = try await submit(request, context: context, parameters: QueryParameters(request).remaining())
        return Self.acceptedAnswer(accepted, status: "queued")
    }

    /// 200 with the summary when the job finishes within the wait; 202 otherwise.
    func process(_ request: Request, context: GatewayRequestContext) async throws -> Response {
        var parameters = QueryParameters(request)
        let wait = try parameters.seconds("wait", in: .zero...maxProcessWait) ?? processWait
        let accepted = try await submit(request, context: context, parameters: parameters.remaining())
        guard let status = try await events.waitUntilFinal(accepted.jobID, timeout: wait),
              let outcome = try await history.outcome(accepted.jobID)
        else {
            return try Self.acceptedAnswer(accepted, status: "running").response(from: request, context: context)
        }
        let head = outcome.summary.flatMap { try? JSONDecoder().decode(JobSummary.self, from: Data($0.utf8)) }
        let answer = ProcessAnswer(
            jobID: accepted.jobID.uuidString.lowercased(),
            status: status.rawValue,
            processingTime: head?.processingTime ?? outcome.durationSeconds ?? 0,
            recordsProcessed: head?.recordsProcessed ?? 0,
            error: outcome.error.map { ProcessAnswer.Failure(stage: outcome.failedStage, message: $0) },
            links: .init(this: JobLinks.job(accepted.jobID), results: JobLinks.results(accepted.jobID))
        )
        if let summary = outcome.summary { return try JSONBody.response(answer, adding: ["summary": summary]) }
        return try answer.response(from: request, context: context)
    }

    private func submit(_ request: Request, context: GatewayRequestContext, parameters: [String: String]) async throws -> JobSubmitter.Accepted {
        if let length = request.headers[.contentLength].flatMap(Int.init), length > limits.maxBodyBytes {
            throw SubmissionError(code: .tooLarge, message: "the body is \(length) bytes; the limit is \(limits.maxBodyBytes)")
        }
        let (maxBodyBytes, requestTimeout) = (limits.maxBodyBytes, requestTimeout)
        let body: ByteBuffer
        do {
            body = try await withTimeout(requestTimeout, waitingFor: "the request body") { try await request.body.collect(upTo: maxBodyBytes) }
        } catch is TimedOut {
            throw GatewayError.requestTimeout(requestTimeout)
        }
        return try await submitter.submit(.init(
            body: Array(body.readableBytesView),
            contentType: request.headers[.contentType],
            configParameters: parameters,
            idempotencyKey: request.headers[HTTPField.Name("Idempotency-Key")!],
            submittedBy: context.apiKey?.name,
            owner: context.owner
        ))
    }

    /// The 202 answer: the job and where to follow it.
    private static func acceptedAnswer(_ accepted: JobSubmitter.Accepted, status: String) -> EditedResponse<AcceptedAnswer> {
        let link = JobLinks.job(accepted.jobID)
        return EditedResponse(
            status: .accepted,
            headers: [.location: link],
            response: AcceptedAnswer(
                jobID: accepted.jobID.uuidString.lowercased(), status: status, created: accepted.created, records: accepted.records,
                dropped: accepted.dropped, links: .init(this: link, results: JobLinks.results(accepted.jobID))
            )
        )
    }
}

/// The 202 body: the job and where to follow it.
struct AcceptedAnswer: ResponseEncodable {
    let jobID: String
    let status: String
    let created: Bool
    /// Null for an `input_uri` body: the validator counts the file's records.
    let records: Int?
    let dropped: Int
    let links: JobHistory.Job.Links
    enum CodingKeys: String, CodingKey { case jobID = "job_id", status, created, records, dropped, links }
}

/// The 200 body of `/process`: the seed's four fields, then the summary.
struct ProcessAnswer: ResponseEncodable {
    struct Failure: Encodable {
        let stage: String?
        let message: String
    }

    let jobID: String
    let status: String
    let processingTime: Double
    let recordsProcessed: Int
    let error: Failure?
    let links: JobHistory.Job.Links

    enum CodingKeys: String, CodingKey {
        case jobID = "job_id", status, processingTime = "processing_time", recordsProcessed = "records_processed", error, links
    }
}
