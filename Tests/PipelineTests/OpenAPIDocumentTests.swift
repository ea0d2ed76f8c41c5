import Foundation
import Logging
import SluiceClient
import SluiceTestSupport
import Testing
@testable import gateway

/// The OpenAPI document (`Services/gateway/openapi.yaml`): served as it is, without a
/// key, and naming exactly the routes the gateway registers. Whether the gateway's
/// answers fit it is `Tests/openapi`'s part (schemathesis).
@Suite struct OpenAPIDocumentTests {
    static let file = repositoryRoot.appendingPathComponent("Services/gateway/openapi.yaml")

    @Test func theGatewayServesTheDocumentWithoutAKey() async throws {
        try await TestPipeline.run(.gatewayOnly) { pipeline in
            let anonymous = GatewayClient(baseURL: pipeline.client.baseURL)
            let response = try await anonymous.send("GET", "/openapi.yaml")
            #expect(response.status == 200, "\(response.text)")
            #expect(response.headers["content-type"] == "application/yaml")
            #expect(response.body == (try Data(contentsOf: Self.file)))
        }
    }

    @Test func theDocumentNamesEveryRouteAndNoOther() throws {
        let logger = Logger(label: "sluice.test.openapi") { _ in SwiftLogNoOpLogHandler() }
        let configuration = try GatewayConfiguration(environment: [:])
        let services = GatewayServices(configuration: configuration, logger: logger)
        defer { services.threads.shutdown() }
        let router = try buildRouter(configuration: configuration, services: services, logger: logger)

        let registered = Set(router.routes.map { "\($0.method.rawValue) \($0.path)" })
        let documented = Self.operations(in: try String(contentsOf: Self.file, encoding: .utf8))
        #expect(registered.contains("GET /openapi.yaml") && registered.contains("POST /api/v1/jobs/{id}/retry"), "\(registered.sorted())")
        #expect(registered.subtracting(documented).isEmpty, "registered but not documented: \(registered.subtracting(documented).sorted())")
        #expect(documented.subtracting(registered).isEmpty, "documented but not registered: \(documented.subtracting(registered).sorted())")
    }

    /// `METHOD /path` for each operation under the document's `paths`, read from its
    /// layout (paths indented two spaces, their methods four), which the document keeps;
    /// the test target has no YAML parser.
    static func operations(in yaml: String) -> Set<String> {
        let methods: Set<String> = ["get", "put", "post", "delete", "options", "head", "patch", "trace"]
        var operations: Set<String> = []
        var inPaths = false
        var path: String?
        for line in yaml.split(separator: "\n", omittingEmptySubsequences: true) {
            if !line.hasPrefix(" ") {
                inPaths = line == "paths:"
            } else if inPaths, line.hasPrefix("  /"), !line.hasPrefix("   "), line.hasSuffix(":") {
                path = String(line.dropFirst(2).dropLast())
            } else if inPaths, let path, line.hasPrefix("    "), !line.hasPrefix("     "), line.hasSuffix(":"),
                      case let name = line.dropFirst(4).dropLast(), methods.contains(String(name)) {
                operations.insert("\(name.uppercased()) \(path)")
            }
        }
        return operations
    }
}
