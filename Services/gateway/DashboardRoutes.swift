import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import SluiceCore

/// The dashboard: `GET /` (the page), `/dashboard.css` and the script's modules
/// (`/dashboard.js` imports the other `/dashboard-*.js`), the files of
/// `Services/gateway/Dashboard` as the gateway's resource bundle holds them, read once
/// when the gateway starts; and `/palette.css`, the colours of ``ChartColor``. They hold
/// no data, so they need no API key; the page
/// asks for one and sends it with every API call it makes (README, "Dashboard"). The
/// content security policy lets the page load nothing but these files and talk to
/// nothing but this gateway.
struct DashboardRoutes: Sendable {
    /// One file and the path it is served at.
    struct Asset: Sendable {
        let path: String
        let file: String
        let contentType: String
    }

    static let assets = [
        Asset(path: "/", file: "index.html", contentType: "text/html; charset=utf-8"),
        Asset(path: "/dashboard.css", file: "dashboard.css", contentType: "text/css; charset=utf-8"),
    ] + ["dashboard", "dashboard-core", "dashboard-events", "dashboard-jobs", "dashboard-job", "dashboard-charts", "dashboard-operations"].map {
        Asset(path: "/\($0).js", file: "\($0).js", contentType: "text/javascript; charset=utf-8")
    }

    /// The colours, made from ``ChartColor`` rather than read from a file.
    static let palette = (path: "/palette.css", contentType: "text/css; charset=utf-8")

    /// The paths the dashboard is served at, which ``APIKeyMiddleware`` lets through.
    static let paths = Set(assets.map(\.path) + [palette.path])

    static let headers: HTTPFields = [
        .contentSecurityPolicy: "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; form-action 'none'; base-uri 'none'; frame-ancestors 'none'",
        .xContentTypeOptions: "nosniff",
        .referrerPolicy: "no-referrer",
        // A new gateway's files are picked up at once.
        .cacheControl: "no-cache",
    ]

    /// Each path's content type and body.
    private let files: [(path: String, contentType: String, body: ByteBuffer)]

    /// Reads the files from the gateway's resource bundle; throws when one is missing.
    init() throws {
        guard let directory = Bundle.module.url(forResource: "Dashboard", withExtension: nil) else { throw CocoaError(.fileNoSuchFile, userInfo: [NSFilePathErrorKey: "the gateway's resource bundle: Dashboard"]) }
        files = try Self.assets.map { asset in
            (asset.path, asset.contentType, ByteBuffer(bytes: try Data(contentsOf: directory.appendingPathComponent(asset.file))))
        } + [(Self.palette.path, Self.palette.contentType, ByteBuffer(string: ChartColor.css))]
    }

    func register(on router: Router<some RequestContext>) {
        for (path, contentType, body) in files {
            let headers = Self.headers + [HTTPField(name: .contentType, value: contentType)]
            router.get(RouterPath(path)) { _, _ in Response(status: .ok, headers: headers, body: .init(byteBuffer: body)) }
        }
    }
}

extension HTTPField.Name {
    fileprivate static let referrerPolicy = Self("Referrer-Policy")!
}
