import HTTPTypes
import Hummingbird

/// Refuses a request with more than ``limit`` header fields with 431
/// `too_many_headers`, before any route reads it. (The HTTP parser bounds their total
/// size too: 80 KiB.) A browser or client library sends a few dozen.
struct HeaderLimitMiddleware<Context: RequestContext>: RouterMiddleware {
    /// The most header fields a request may carry.
    static var limit: Int { 100 }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard request.headers.count <= Self.limit else {
            throw GatewayError(
                status: .requestHeaderFieldsTooLarge, code: "too_many_headers",
                message: "the request has \(request.headers.count) header fields; the gateway reads at most \(Self.limit)",
                headers: [.connection: "close"]
            )
        }
        return try await next(request, context)
    }
}
