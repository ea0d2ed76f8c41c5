import Foundation
import SluiceCore
import SluiceRecords
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// A client for the gateway's HTTP API (see README.md, "Submitting over HTTP"), used by
/// the `sluice` CLI and by the tests; Swift programs may use it too.
///
/// Every call returns the ``GatewayResponse`` whatever its status; ``GatewayResponse/error``
/// decodes a refusal's `{"error": {…}}` body.
public struct GatewayClient: Sendable {
    /// The gateway's root, such as `http://127.0.0.1:58080`.
    public let baseURL: URL
    /// Sent as `Authorization: Bearer <key>`.
    public let apiKey: String?
    /// Every call and every event stream of this client goes through this one session.
    let session: URLSession
    /// The event streams open on `session`.
    let streams = EventStreamRouter()

    /// Creates a client for the gateway at `baseURL`, authenticating with `apiKey`.
    public init(baseURL: URL, apiKey: String? = nil) {
        self.baseURL = baseURL
        self.apiKey = apiKey
        let configuration = URLSessionConfiguration.ephemeral
        configuration.httpMaximumConnectionsPerHost = 64
        session = URLSession(configuration: configuration, delegate: streams, delegateQueue: nil)
    }

    /// The gateway named by `SLUICE_GATEWAY_URL` (default `http://127.0.0.1:58080`),
    /// with the key in `SLUICE_API_KEY`.
    public init(environment: [String: String] = ProcessInfo.processInfo.environment) throws {
        let text = environment["SLUICE_GATEWAY_URL"].flatMap { $0.isEmpty ? nil : $0 } ?? "http://127.0.0.1:58080"
        guard let url = URL(string: text), url.scheme == "http" || url.scheme == "https", url.host?.isEmpty == false else {
            throw ConfigurationError(key: "SLUICE_GATEWAY_URL", value: text, expected: "an http:// or https:// URL with a host, such as http://127.0.0.1:58080")
        }
        self.init(baseURL: url, apiKey: environment["SLUICE_API_KEY"].flatMap { $0.isEmpty ? nil : $0 })
    }

    /// Sends one request. `timeout` bounds the whole exchange (default 60 s).
    public func send(
        _ method: String,
        _ path: String,
        query: [(String, String)] = [],
        body: Data? = nil,
        headers: [String: String] = [:],
        timeout: Duration = .seconds(60)
    ) async throws -> GatewayResponse {
        guard var components = URLComponents(url: baseURL.appendingPathComponent(path), resolvingAgainstBaseURL: false) else {
            throw GatewayClientError("cannot build a URL from \(baseURL) and \(path)")
        }
        if !query.isEmpty { components.queryItems = query.map { URLQueryItem(name: $0.0, value: $0.1) } }
        guard let url = components.url else { throw GatewayClientError("cannot build a URL from \(components)") }
        var request = URLRequest(url: url, timeoutInterval: Double(timeout.components.seconds) + Double(timeout.components.attoseconds) / 1e18)
        request.httpMethod = method
        request.httpBody = body
        if let apiKey { request.setValue("Bearer \(apiKey)", forHTTPHeaderField: "Authorization") }
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        let (data, response): (Data, URLResponse)
        do {
            (data, response) = try await session.data(for: request)
        } catch let error as URLError where error.code != .cancelled {
            throw GatewayClientError(error, reaching: baseURL, timeout: timeout)
        }
        guard let http = response as? HTTPURLResponse else { throw GatewayClientError.notTheGateway(baseURL, "it did not answer in HTTP") }
        var fields: [String: String] = [:]
        for (name, value) in http.allHeaderFields {
            if let name = name as? String, let value = value as? String { fields[name.lowercased()] = value }
        }
        return GatewayResponse(status: http.statusCode, headers: fields, body: data)
    }

    /// Submits a job: `POST /api/v1/jobs`, or `POST /process` when `wait` is given (the
    /// gateway then answers 200 with the summary if the job finishes within `wait`).
    ///
    /// - Parameters:
    ///   - contentType: `application/json`, `application/x-ndjson` or `text/csv`.
    ///   - parameters: `processing_config` keys for NDJSON and CSV bodies.
    public func submit(
        _ body: Data,
        contentType: String,
        parameters: [(String, String)] = [],
        wait: Duration? = nil,
        idempotencyKey: String? = nil
    ) async throws -> GatewayResponse {
        var headers = ["Content-Type": contentType]
        headers["Idempotency-Key"] = idempotencyKey
        guard let wait else {
            return try await api("POST", "/api/v1/jobs", query: parameters, body: body, headers: headers)
        }
        let seconds = Double(wait.components.seconds) + Double(wait.components.attoseconds) / 1e18
        return try await api(
            "POST", "/process", query: parameters + [("wait", "\(seconds)")], body: body, headers: headers, timeout: wait + .seconds(60)
        )
    }

    /// `GET /api/v1/jobs/{id}`: the job's status and every stage attempt.
    public func job(_ id: String) async throws -> GatewayResponse {
        try await api("GET", "/api/v1/jobs/\(id)")
    }

    /// `GET /api/v1/jobs`: the newest jobs first, filtered by `query` (`status`, `since`, `until`, `limit`, `cursor`).
    public func jobs(_ query: [(String, String)] = []) async throws -> GatewayResponse {
        try await api("GET", "/api/v1/jobs", query: query)
    }

    /// `POST /api/v1/jobs/{id}/cancel`: stops a queued or running job at the next stage boundary.
    public func cancel(_ id: String) async throws -> GatewayResponse {
        try await api("POST", "/api/v1/jobs/\(id)/cancel")
    }

    /// `POST /api/v1/jobs/{id}/retry`: runs a failed job again from the stage that failed.
    public func retry(_ id: String) async throws -> GatewayResponse {
        try await api("POST", "/api/v1/jobs/\(id)/retry")
    }

    /// `GET /api/v1/jobs/{id}/results`: the job's summary.
    public func results(_ id: String) async throws -> GatewayResponse {
        try await api("GET", "/api/v1/jobs/\(id)/results")
    }

    /// ``send(_:_:query:body:headers:timeout:)`` for a call of the gateway's API, whose
    /// every answer is JSON: any other answer comes from something that is not the
    /// gateway (a worker's health port, another server), and throws.
    func api(
        _ method: String, _ path: String, query: [(String, String)] = [], body: Data? = nil, headers: [String: String] = [:],
        timeout: Duration = .seconds(60)
    ) async throws -> GatewayResponse {
        let response = try await send(method, path, query: query, body: body, headers: headers, timeout: timeout)
        guard response.headers["content-type"]?.hasPrefix("application/json") == true else {
            let body = response.text.isEmpty ? "an empty body" : "a body that is not JSON"
            throw GatewayClientError.notSluice(baseURL, status: response.status, "\(method) \(path) got HTTP \(response.status) with \(body)")
        }
        return response
    }
}

/// What the gateway answered.
public struct GatewayResponse: Sendable {
    /// The HTTP status code.
    public let status: Int
    /// Header fields, names in lower case.
    public let headers: [String: String]
    /// The body (JSON for every answer of the API).
    public let body: Data

    /// Whether the status is 2xx.
    public var isSuccess: Bool { (200..<300).contains(status) }

    /// The body as a JSON object, or nil when it is not one.
    public func object() -> [String: Any]? {
        (try? JSONSerialization.jsonObject(with: body)) as? [String: Any]
    }

    /// The refusal, when the body is an error body.
    public var error: ErrorBody? { try? JSONDecoder().decode(ErrorBody.self, from: body) }

    /// The body as text.
    public var text: String { String(decoding: body, as: UTF8.self) }
}
