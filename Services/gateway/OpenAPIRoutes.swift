import Foundation
import Hummingbird
import NIOCore

/// `GET /openapi.yaml`: the API's OpenAPI 3.1 document, served as it is and without an
/// API key (it holds no data). The document is `Services/gateway/openapi.yaml`, copied
/// into the gateway's SwiftPM resource bundle (`sluice_gateway.resources`), which lies
/// beside the executable in `.build/<configuration>/` and in the Docker image's `/app/`.
struct OpenAPIRoutes: Sendable {
    /// The route's path; ``APIKeyMiddleware`` lets it through.
    static let path = "/openapi.yaml"
    /// YAML's registered media type (RFC 9512).
    static let contentType = "application/yaml"

    /// The document's bytes, read once at start.
    let document: ByteBuffer

    /// Reads the document from the gateway's resource bundle; fails at start, not at the
    /// first request, when the bundle lacks it.
    init() throws {
        guard let url = Bundle.module.url(forResource: "openapi", withExtension: "yaml") else {
            throw MissingDocument(bundle: Bundle.module.bundlePath)
        }
        document = ByteBuffer(bytes: try Data(contentsOf: url))
    }

    func register(on router: Router<some RequestContext>) {
        let document = document
        router.get(RouterPath(Self.path)) { _, _ in
            Response(status: .ok, headers: [.contentType: Self.contentType], body: ResponseBody(byteBuffer: document))
        }
    }

    /// The resource bundle has no `openapi.yaml`: a packaging error.
    struct MissingDocument: Error, CustomStringConvertible {
        let bundle: String
        var description: String { "the gateway's resource bundle \(bundle) has no openapi.yaml" }
    }
}
