import Foundation
import Hummingbird
import SluiceContracts
import SluiceJobs
import SluicePostgres
import SluiceRecords

/// `GET /api/v1/jobs` (filtered, paginated), `GET /api/v1/jobs/{id}` (status and every
/// stage attempt), `GET /api/v1/jobs/{id}/results` (the summary) and
/// `GET /api/v1/jobs/{id}/input` (the input as stored, streamed from the artifact folder).
struct JobRoutes: Sendable {
    let history: JobHistory
    let artifacts: ArtifactStore

    /// The largest page.
    static let maxLimit = 500

    func register(on router: Router<GatewayRequestContext>) {
        router.get("api/v1/jobs") { request, context in try await self.list(request, owner: context.visibleOwner) }
        router.get("api/v1/jobs/:id") { _, context in try await self.show(try await history.jobID(context)) }
        router.get("api/v1/jobs/:id/results") { _, context in try await self.results(try await history.jobID(context)) }
        router.get("api/v1/jobs/:id/input") { _, context in try await self.input(try await history.jobID(context), context: context) }
    }

    /// `owner`'s jobs; every owner's for nil.
    func list(_ request: Request, owner: String?) async throws -> JobList {
        var parameters = QueryParameters(request)
        var filter = JobHistory.Filter(owner: owner)
        filter.statuses = try parameters.statuses("status")
        filter.since = try parameters.timestamp("since")
        filter.until = try parameters.timestamp("until")
        filter.finishedSince = try parameters.timestamp("finished_since")
        filter.limit = try parameters.integer("limit", in: 1...Self.maxLimit) ?? filter.limit
        filter.after = try parameters.uuid("cursor")
        try parameters.expectNoneLeft(known: "status, since, until, finished_since, limit, cursor")
        if let cursor = filter.after, try await !history.exists(cursor, owner: owner) {
            throw GatewayError.invalidParameter("cursor", "names no job; use the next_cursor of the previous page")
        }
        let page = try await history.jobs(filter)
        var next: String?
        if let cursor = page.next {
            var components = URLComponents()
            components.path = "/api/v1/jobs"
            components.queryItems = (request.uri.queryParameters.map { (String($0.key), String($0.value)) }
                .filter { $0.0 != "cursor" } + [("cursor", cursor.uuidString.lowercased())])
                .map { URLQueryItem(name: $0.0, value: $0.1) }
            next = components.string
        }
        return JobList(jobs: page.jobs, nextCursor: page.next?.uuidString.lowercased(), links: .init(next: next))
    }

    func show(_ jobID: UUID) async throws -> Response {
        guard let found = try await history.job(jobID) else { throw GatewayError.jobNotFound(jobID.uuidString.lowercased()) }
        return try JSONBody.response(JobDetail(job: found.job, traceID: found.traceID, attempts: found.attempts), adding: ["config": found.config])
    }

    func results(_ jobID: UUID) async throws -> Response {
        guard let outcome = try await history.outcome(jobID) else { throw GatewayError.jobNotFound(jobID.uuidString.lowercased()) }
        guard let summary = outcome.summary else {
            throw GatewayError.noResults(jobID.uuidString.lowercased(), status: outcome.status, error: outcome.error)
        }
        return JSONBody.response(rawJSON: summary)
    }

    /// The stored input with its format's media type; 404 `input_not_found` when none is
    /// stored (the job is unknown, or its folder was removed).
    func input(_ jobID: UUID, context: GatewayRequestContext) async throws -> Response {
        if let (format, file) = InputArtifact.stored(jobID, in: artifacts) {
            let body = try await FileIO().loadFile(path: file.path, context: context)
            return Response(status: .ok, headers: [.contentType: format.mediaType], body: body)
        }
        throw GatewayError(status: .notFound, code: "input_not_found", message: "job \(jobID.uuidString.lowercased()) has no stored input")
    }
}

/// The body of `GET /api/v1/jobs`.
struct JobList: ResponseEncodable {
    struct Links: Encodable {
        let next: String?
    }

    let jobs: [JobHistory.Job]
    let nextCursor: String?
    let links: Links
    enum CodingKeys: String, CodingKey { case jobs, nextCursor = "next_cursor", links }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(jobs, forKey: .jobs)
        // Explicit nulls: a client sees there is no next page rather than a missing key.
        try container.encode(nextCursor, forKey: .nextCursor)
        try container.encode(links, forKey: .links)
    }
}

/// The body of `GET /api/v1/jobs/{id}`: the job, then its attempts (`config` is spliced in).
struct JobDetail: Encodable {
    let job: JobHistory.Job
    let traceID: String?
    let attempts: [StageAttempt]

    enum CodingKeys: String, CodingKey { case traceID = "trace_id", attempts }

    func encode(to encoder: any Encoder) throws {
        try job.encode(to: encoder)
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encodeIfPresent(traceID, forKey: .traceID)
        try container.encode(attempts, forKey: .attempts)
    }
}
