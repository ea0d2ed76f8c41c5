import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOHTTP1
import SluicePostgres
import SluiceRecords

/// The one place where errors become HTTP responses: every refusal is answered with
/// `{"error": {"code", "message", "details"}}` and its status (submission errors carry
/// theirs: 400, 413, 415, 422; see ``SubmissionError/Code``; a body that is not
/// well-formed HTTP is 400 `malformed_request`). Unexpected errors are
/// logged and answered with 500 `internal_error`, without their text; the database being
/// unavailable (down, failing over) is answered 503 `unavailable` with `Retry-After`.
struct ErrorResponseMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as SubmissionError {
            return Self.response(HTTPResponse.Status(code: error.code.httpStatus), ErrorBody(error))
        } catch let error as GatewayError {
            return Self.response(error)
        } catch let error as HTTPError {
            return Self.response(error.status, ErrorBody(code: Self.code(error.status), message: error.body ?? "\(request.method) \(request.uri.path): \(error.status.reasonPhrase)"))
        } catch let error as any HTTPResponseError {
            // Hummingbird's own refusals; a body over the collect limit is one (413).
            let message = error.status == .contentTooLarge
                ? "the body is larger than the gateway accepts (SLUICE_MAX_BODY_BYTES)"
                : "\(request.method) \(request.uri.path): \(error.status.reasonPhrase)"
            return Self.response(error.status, ErrorBody(code: Self.code(error.status), message: message))
        } catch let error as HTTPParserError {
            // The client's bytes are not HTTP (a bad chunk size, a body cut short): its
            // mistake, answered 400 and logged below error level; the connection closes.
            context.logger.info("malformed request", metadata: ["error": "\(error)", "http.path": "\(request.uri.path)"])
            return Self.response(.badRequest, ErrorBody(code: "malformed_request", message: "the request is not well-formed HTTP/1.1 (\(error)); nothing was stored"), headers: [.connection: "close"])
        } catch let error as PostgresError where error.isUnavailable {
            context.logger.warning("the database is unavailable", metadata: ["error": "\(error)", "http.path": "\(request.uri.path)"])
            return Self.response(GatewayError.unavailable("the database cannot be reached now, so nothing was stored; try again"))
        } catch {
            context.logger.error("request failed", metadata: ["error": "\(error)", "http.path": "\(request.uri.path)"])
            return Self.response(.internalServerError, ErrorBody(code: "internal_error", message: "the gateway failed to handle the request; its log has the reason"))
        }
    }

    /// The machine code for a plain HTTP status: `too_large` for 413 (as for submissions), else the reason phrase in snake_case.
    private static func code(_ status: HTTPResponse.Status) -> String {
        status == .contentTooLarge ? SubmissionError.Code.tooLarge.rawValue : status.reasonPhrase.lowercased().replacingOccurrences(of: " ", with: "_")
    }

    private static func response(_ error: GatewayError) -> Response {
        response(error.status, ErrorBody(code: error.code, message: error.message, details: error.details), headers: error.headers)
    }

    private static func response(_ status: HTTPResponse.Status, _ body: ErrorBody, headers: HTTPFields = [:]) -> Response {
        (try? JSONBody.response(body, status: status, headers: headers)) ?? Response(status: status, headers: headers)
    }
}
