import Hummingbird
import SluiceJobs

/// Lets a request through only with an active API key (`Authorization: Bearer <key>`):
/// 401 without one or with an unknown or revoked one, 403 when a read-only key tries
/// to submit, 429 (with `Retry-After`) past the key's rate. `/health` and `/ready`
/// stay open for load balancers and orchestrators, `/metrics` for Prometheus (counts,
/// no job data), `/openapi.yaml` for anyone writing a client, and the dashboard's files
/// (``DashboardRoutes``, no data in them) for browsers, which cannot send a key when
/// they open a page.
struct APIKeyMiddleware: RouterMiddleware {
    typealias Context = GatewayRequestContext

    static let openPaths = Set(["/health", "/ready", "/metrics", OpenAPIRoutes.path]).union(DashboardRoutes.paths)

    let keys: APIKeyStore
    let limiter: RateLimiter

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard !Self.openPaths.contains(request.uri.path) else { return try await next(request, context) }
        guard let header = request.headers[.authorization] else {
            throw GatewayError.unauthorized("send an API key as Authorization: Bearer <key> (`sluice keys create` makes one)")
        }
        let parts = header.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "bearer", !parts[1].isEmpty else {
            throw GatewayError.unauthorized("the Authorization header must be Bearer <key>")
        }
        guard let key = try await keys.authenticate(String(parts[1])) else {
            throw GatewayError.unauthorized("the API key is unknown or revoked")
        }
        if key.scope == .read, request.method != .get, request.method != .head {
            throw GatewayError.forbidden("the key '\(key.name)' is read-only; submitting needs a write key")
        }
        if let retryAfter = limiter.admit(key.name) {
            throw GatewayError.rateLimited(key: key.name, retryAfterSeconds: retryAfter)
        }
        var context = context
        context.apiKey = key
        context.logger[metadataKey: "api_key"] = "\(key.name)"
        return try await next(request, context)
    }
}
