import Hummingbird
import SluiceJobs

/// The gateway's request context: Hummingbird's core context plus the API key that
/// ``APIKeyMiddleware`` accepted (nil for open routes and with authentication off).
struct GatewayRequestContext: RequestContext {
    var coreContext: CoreRequestContextStorage
    var apiKey: APIKeyStore.Key?

    init(source: Source) {
        coreContext = .init(source: source)
    }

    /// Every answer's JSON.
    var responseEncoder: JSONBody { JSONBody() }

    /// The owner whose jobs the request may see and act on; nil for every owner's (an
    /// admin key, or authentication off). Another owner's job is, to this request, no job.
    var visibleOwner: String? {
        apiKey.flatMap { $0.scope == .admin ? nil : $0.owner }
    }

    /// The owner of the jobs the request submits: its key's, or ``JobOwner/standard``
    /// with authentication off.
    var owner: String {
        apiKey?.owner ?? JobOwner.standard
    }
}
