import Foundation
import HTTPTypes
import Hummingbird
import SluiceContracts
import SluiceRecords

/// A refusal, answered as the JSON error body `{"error": {"code", "message", "details"}}`
/// with its status and headers (an `HTTPResponseError`, written with the context's
/// response encoder). The gateway's own are made here; a refused submission's
/// ``SubmissionError`` and every other error become one in ``ErrorResponseMiddleware``.
struct GatewayError: HTTPResponseError, Sendable, CustomStringConvertible {
    let status: HTTPResponse.Status
    /// The stable machine code, such as `job_not_found`.
    let code: String
    let message: String
    var details: [ErrorDetail] = []
    /// Headers the answer carries (`WWW-Authenticate`, `Retry-After`).
    var headers: HTTPFields = [:]

    var description: String { "\(status.code) \(code): \(message)" }

    /// The answer: the error body with the status and headers.
    func response(from request: Request, context: some RequestContext) throws -> Response {
        var response = try context.responseEncoder.encode(ErrorBody(code: code, message: message, details: details), from: request, context: context)
        response.status = status
        response.headers.append(contentsOf: headers)
        return response
    }

    /// 404: no job has this id.
    static func jobNotFound(_ id: String) -> GatewayError {
        GatewayError(status: .notFound, code: "job_not_found", message: "there is no job \(id)")
    }

    /// 400: a job id prefix that more than one job begins with; the details list them.
    static func ambiguousJobID(_ prefix: String, candidates: [UUID], more: Bool) -> GatewayError {
        GatewayError(
            status: .badRequest, code: "ambiguous_job_id",
            message: "\(candidates.count)\(more ? " or more" : "") jobs begin with \(prefix); give more of the id",
            details: candidates.map { ErrorDetail(field: "id", reason: "candidate", message: $0.uuidString.lowercased()) }
        )
    }

    /// 400: a query parameter or header that cannot be used.
    static func invalidParameter(_ name: String, _ message: String) -> GatewayError {
        GatewayError(
            status: .badRequest, code: "invalid_parameter", message: "\(name): \(message)",
            details: [ErrorDetail(field: name, reason: "invalid_parameter", message: message)]
        )
    }

    /// 409: the job has no results (yet, or ever: it failed or was cancelled).
    static func noResults(_ id: String, status: JobStatus, error: String?) -> GatewayError {
        let why = error.map { ": \($0)" } ?? ""
        return GatewayError(
            status: .conflict, code: "results_not_available",
            message: "job \(id) is \(status.rawValue), so it has no results\(status == .failed || status == .cancelled ? why : " yet")"
        )
    }

    /// 409: the job's status does not allow this.
    static func conflict(_ code: String, _ message: String) -> GatewayError {
        GatewayError(status: .conflict, code: code, message: message)
    }

    /// 401: no API key, or one that is unknown or revoked.
    static func unauthorized(_ message: String) -> GatewayError {
        GatewayError(status: .unauthorized, code: "unauthorized", message: message, headers: [.wwwAuthenticate: #"Bearer realm="sluice""#])
    }

    /// 403: the key may not do this.
    static func forbidden(_ message: String) -> GatewayError {
        GatewayError(status: .forbidden, code: "forbidden", message: message)
    }

    /// 429: the key is over its rate.
    static func rateLimited(key: String, retryAfterSeconds: Int) -> GatewayError {
        GatewayError(
            status: .tooManyRequests, code: "rate_limited",
            message: "the key '\(key)' is over its rate (SLUICE_RATE_LIMIT); retry in \(retryAfterSeconds) s",
            headers: [.retryAfter: "\(retryAfterSeconds)"]
        )
    }

    /// 408: the client did not send its whole body within the request timeout.
    static func requestTimeout(_ limit: Duration) -> GatewayError {
        GatewayError(
            status: .requestTimeout, code: "request_timeout",
            message: "the request body did not arrive within \(limit.components.seconds) s (SLUICE_REQUEST_TIMEOUT)",
            headers: [.connection: "close"]
        )
    }

    /// 503: the broker or the database cannot take the request now; nothing was stored.
    /// `Retry-After` says when to try again.
    static func unavailable(_ message: String) -> GatewayError {
        GatewayError(status: .serviceUnavailable, code: "unavailable", message: message, headers: [.retryAfter: "2"])
    }
}

extension GatewayError {
    /// A refused submission, with the status its code carries.
    init(_ error: SubmissionError) {
        self.init(status: HTTPResponse.Status(code: error.code.httpStatus), code: error.code.rawValue, message: error.message, details: error.details)
    }
}
