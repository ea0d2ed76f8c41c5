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
            return Self.answer(GatewayError(error), request, context)
        } catch let error as GatewayError {
            return Self.answer(error, request, context)
        } catch let error as HTTPError {
            let message = error.body ?? "\(request.method) \(request.uri.path): \(error.status.reasonPhrase)"
            return Self.answer(GatewayError(status: error.status, code: Self.code(error.status), message: message), request, context)
        } catch let error as any HTTPResponseError {
            // Hummingbird's own refusals; a body over the collect limit is one (413).
            let message = error.status == .contentTooLarge
                ? "the body is larger than the gateway accepts (SLUICE_MAX_BODY_BYTES)"
                : "\(request.method) \(request.uri.path): \(error.status.reasonPhrase)"
            return Self.answer(GatewayError(status: error.status, code: Self.code(error.status), message: message), request, context)
        } catch let error as HTTPParserError {
            // The client's bytes are not HTTP (a bad chunk size, a body cut short): its
            // mistake, answered 400 and logged below error level; the connection closes.
            context.logger.info("malformed request", metadata: ["error": "\(error)", "http.path": "\(request.uri.path)"])
            let refusal = GatewayError(
                status: .badRequest, code: "malformed_request",
                message: "the request is not well-formed HTTP/1.1 (\(error)); nothing was stored", headers: [.connection: "close"]
            )
            return Self.answer(refusal, request, context)
        } catch let error as PostgresError where error.isUnavailable {
            context.logger.warning("the database is unavailable", metadata: ["error": "\(error)", "http.path": "\(request.uri.path)"])
            return Self.answer(GatewayError.unavailable("the database cannot be reached now, so nothing was stored; try again"), request, context)
        } catch {
            context.logger.error("request failed", metadata: ["error": "\(error)", "http.path": "\(request.uri.path)"])
            let failure = GatewayError(
                status: .internalServerError, code: "internal_error", message: "the gateway failed to handle the request; its log has the reason"
            )
            return Self.answer(failure, request, context)
        }
    }

    /// The machine code for a plain HTTP status: `too_large` for 413 (as for submissions), else the reason phrase in snake_case.
    private static func code(_ status: HTTPResponse.Status) -> String {
        status == .contentTooLarge ? SubmissionError.Code.tooLarge.rawValue : status.reasonPhrase.lowercased().replacingOccurrences(of: " ", with: "_")
    }

    private static func answer(_ error: GatewayError, _ request: Request, _ context: Context) -> Response {
        (try? error.response(from: request, context: context)) ?? Response(status: error.status, headers: error.headers)
    }
}
