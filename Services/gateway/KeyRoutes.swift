import Hummingbird
import SluiceJobs

/// `GET /api/v1/key`: the key the request came with, its owner and scope, so a client
/// (the dashboard) offers only what the key may do.
struct KeyRoutes: Sendable {
    func register(on router: Router<GatewayRequestContext>) {
        router.get("api/v1/key") { _, context in KeyDescription(context) }
    }
}

/// The body of `GET /api/v1/key`. With authentication off there is no key (no `name`): the
/// request acts as an admin of every owner's jobs and submits as the default owner.
struct KeyDescription: ResponseEncodable {
    let name: String?
    let owner: String
    let scope: APIKeyStore.Scope

    init(_ context: GatewayRequestContext) {
        name = context.apiKey?.name
        owner = context.owner
        scope = context.apiKey?.scope ?? .admin
    }

    enum CodingKeys: String, CodingKey { case name, owner, scope }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encodeIfPresent(name, forKey: .name)
        try container.encode(owner, forKey: .owner)
        try container.encode(scope.rawValue, forKey: .scope)
    }
}
