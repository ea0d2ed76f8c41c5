import Foundation
import HTTPTypes
import Hummingbird

/// Refuses a body sent in a coding the gateway does not decode, instead of reading its
/// bytes as if they were plain: a `Transfer-Encoding` other than `chunked` (`gzip,
/// chunked`, say) is 501 `unsupported_transfer_coding`, as RFC 9112 asks of a server; a
/// `Content-Encoding` other than `identity` is 415 `unsupported_content_coding`.
struct CodingsMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let transfer = Self.codings(request.headers[values: .transferEncoding])
        if let coding = transfer.first(where: { $0 != "chunked" }) {
            throw GatewayError(
                status: .notImplemented, code: "unsupported_transfer_coding",
                message: "Transfer-Encoding '\(coding)' is not supported; send the body plain, with a Content-Length or chunked",
                headers: [.connection: "close"]
            )
        }
        if let coding = Self.codings(request.headers[values: .contentEncoding]).first(where: { $0 != "identity" }) {
            throw GatewayError(
                status: .unsupportedMediaType, code: "unsupported_content_coding",
                message: "Content-Encoding '\(coding)' is not supported; send the body uncompressed"
            )
        }
        return try await next(request, context)
    }

    /// The codings that header lines list, lowercased, in order.
    private static func codings(_ lines: [String]) -> [String] {
        lines.flatMap { $0.split(separator: ",") }.map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
    }
}
