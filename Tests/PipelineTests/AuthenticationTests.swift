import Foundation
import SluiceClient
import SluiceJobs
import SluiceTestSupport
import Testing

/// API keys, scopes, rate limits and CORS at the gateway.
@Suite struct AuthenticationTests {
    static let body = Data(#"{"data": [{"id": 1, "value": 2, "category": "A"}]}"#.utf8)

    @Test func missingWrongAndRevokedKeysGet401() async throws {
        try await TestPipeline.run(.gatewayOnly) { pipeline in
            let keys = APIKeyStore(pool: pipeline.pool)
            let revoked = try await keys.create(name: "leaver", scope: .write)
            #expect(try await keys.revoke(name: "leaver"))
            let anonymous = GatewayClient(baseURL: pipeline.client.baseURL)
            let cases: [(String, GatewayClient, [String: String])] = [
                ("no key", anonymous, [:]),
                ("a wrong key", GatewayClient(baseURL: pipeline.client.baseURL, apiKey: "sluice_" + String(repeating: "0", count: 48)), [:]),
                ("a revoked key", GatewayClient(baseURL: pipeline.client.baseURL, apiKey: revoked), [:]),
                ("not Bearer", anonymous, ["Authorization": "Basic dXNlcjpwYXNz"]),
            ]
            for (name, client, headers) in cases {
                for (method, path, body) in [("POST", "/api/v1/jobs", Self.body), ("GET", "/api/v1/jobs", nil), ("POST", "/process", Self.body)] {
                    let answer = try await client.send(method, path, body: body, headers: headers.merging(["Content-Type": "application/json"]) { $1 })
                    #expect(answer.status == 401, "\(name) \(method) \(path): \(answer.text)")
                    #expect(answer.error?.error.code == "unauthorized", "\(name)")
                    #expect(answer.headers["www-authenticate"]?.hasPrefix("Bearer") == true, "\(name)")
                    #expect(!answer.text.contains(revoked), "\(name): the key is echoed")
                }
            }
            // Open to probes without a key.
            #expect(try await anonymous.send("GET", "/health").status == 200)
            #expect(try await pipeline.jobCount() == 0)
        }
    }

    @Test func theDashboardsFilesNeedNoKeyButItsDataDoes() async throws {
        try await TestPipeline.run(.gatewayOnly) { pipeline in
            let anonymous = GatewayClient(baseURL: pipeline.client.baseURL)
            for (path, type) in [("/", "text/html"), ("/dashboard.js", "text/javascript"), ("/dashboard.css", "text/css")] {
                let answer = try await anonymous.send("GET", path)
                #expect(answer.status == 200 && answer.headers["content-type"]?.hasPrefix(type) == true, "\(path): \(answer.status)")
                #expect(answer.headers["content-security-policy"]?.contains("connect-src 'self'") == true, "\(path)")
            }
            #expect(try await anonymous.send("GET", "/").text.contains(#"src="/dashboard.js""#))
            for path in ["/api/v1/jobs", "/api/v1/jobs/\(UUID())/events"] {
                #expect(try await anonymous.send("GET", path).status == 401, "\(path)")
            }
        }
    }

    @Test func aReadOnlyKeyReadsButCannotSubmit() async throws {
        try await TestPipeline.run(.gatewayOnly) { pipeline in
            let reader = GatewayClient(baseURL: pipeline.client.baseURL, apiKey: try await APIKeyStore(pool: pipeline.pool).create(name: "dashboard", scope: .read))
            let refused = try await reader.submit(Self.body, contentType: "application/json")
            #expect(refused.status == 403 && refused.error?.error.code == "forbidden")
            #expect(try await reader.jobs().status == 200)
            let accepted = try await pipeline.client.submit(Self.body, contentType: "application/json")
            let id = try #require(accepted.object()?["job_id"] as? String)
            #expect(try await reader.job(id).status == 200)
            let submittedBy = try await pipeline.pool.withConnection {
                try $0.query("SELECT submitted_by FROM job_history").single().decode("submitted_by", as: String.self)
            }
            #expect(submittedBy == "tests")
        }
    }

    @Test func pastItsRateAKeyGets429WithRetryAfter() async throws {
        try await TestPipeline.run(.gatewayOnly, gatewaySettings: ["SLUICE_RATE_LIMIT": "0.2", "SLUICE_RATE_BURST": "3"]) { pipeline in
            var statuses: [Int] = []
            var retryAfter: String?
            for _ in 0..<5 {
                let answer = try await pipeline.client.jobs()
                statuses.append(answer.status)
                if answer.status == 429 { retryAfter = answer.headers["retry-after"] }
            }
            #expect(statuses == [200, 200, 200, 429, 429])
            #expect(retryAfter.flatMap(Int.init).map { (1...5).contains($0) } == true, "Retry-After: \(retryAfter ?? "-")")
            // Another key has a bucket of its own.
            let other = GatewayClient(baseURL: pipeline.client.baseURL, apiKey: try await APIKeyStore(pool: pipeline.pool).create(name: "other", scope: .read))
            #expect(try await other.jobs().status == 200)
        }
    }

    @Test func anEventStreamOverTheRateWaitsAsRetryAfterSaysAndAsksAgain() async throws {
        // One token every 5 s: the next request comes long before the bucket refills, however slow the machine.
        try await TestPipeline.run(.gatewayOnly, gatewaySettings: ["SLUICE_RATE_LIMIT": "0.2", "SLUICE_RATE_BURST": "1"]) { pipeline in
            #expect(try await pipeline.client.jobs().status == 200)
            let started = ContinuousClock.now
            // The bucket is empty: the first request gets 429; the one after Retry-After (1-5 s) gets the gateway's real answer.
            var refusal = ""
            do {
                for try await _ in pipeline.client.events(of: UUID().uuidString) {}
            } catch let error as GatewayClientError {
                refusal = error.description
            }
            #expect(refusal.contains("(404)"), "\(refusal)")
            #expect(ContinuousClock.now - started >= .seconds(1))
        }
    }

    @Test func onlyListedOriginsGetCORSHeaders() async throws {
        try await TestPipeline.run(.gatewayOnly, gatewaySettings: ["SLUICE_CORS_ORIGINS": "https://dash.example.com"]) { pipeline in
            let allowed = try await pipeline.client.send("OPTIONS", "/api/v1/jobs", headers: ["Origin": "https://dash.example.com", "Access-Control-Request-Method": "POST"])
            #expect(allowed.status == 204 && allowed.headers["access-control-allow-origin"] == "https://dash.example.com")
            let listed = try await pipeline.client.send("GET", "/api/v1/jobs", headers: ["Origin": "https://dash.example.com"])
            #expect(listed.headers["access-control-allow-origin"] == "https://dash.example.com")
            let other = try await pipeline.client.send("GET", "/api/v1/jobs", headers: ["Origin": "https://evil.example.org"])
            #expect(other.status == 200 && other.headers["access-control-allow-origin"] == nil)
        }
    }
}
