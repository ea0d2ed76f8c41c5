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
}
