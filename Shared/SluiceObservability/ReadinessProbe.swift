#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The container healthcheck: `SERVICE --probe-ready` asks the running service's own
/// `GET /ready` (on 127.0.0.1) and exits 0 when it answers 200, 1 otherwise, so that an
/// image without curl can still be checked (`healthcheck: ["CMD", "/app/service",
/// "--probe-ready"]` in compose.yaml). Plain HTTP/1.0 over a socket, with a timeout:
/// no HTTP client library in every binary for one request.
public enum ReadinessProbe {
    /// The command-line flag that asks for a probe instead of the service.
    public static let flag = "--probe-ready"

    /// When the process was started with ``flag``, probes `port` and exits; otherwise returns.
    public static func runIfAsked(arguments: [String] = CommandLine.arguments, port: Int?) {
        guard arguments.dropFirst().first == flag else { return }
        guard let port else {
            print("no port to probe: set SLUICE_HEALTH_PORT (workers) or SLUICE_HTTP_PORT (gateway)")
            exit(1)
        }
        let status = probe(port: port)
        print(status.map { "GET /ready on port \(port): \($0)" } ?? "GET /ready on port \(port): no answer")
        exit(status == 200 ? 0 : 1)
    }

    /// The status code of `GET path` on 127.0.0.1:`port`, or nil when there was no HTTP
    /// answer within `timeoutSeconds`.
    public static func probe(port: Int, path: String = "/ready", timeoutSeconds: Int = 5) -> Int? {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { return nil }
        defer { close(descriptor) }
        var timeout = timeval(tv_sec: timeoutSeconds, tv_usec: 0)
        setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(descriptor, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { return nil }
        let request = Array("GET \(path) HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n".utf8)
        guard request.withUnsafeBytes({ send(descriptor, $0.baseAddress, $0.count, 0) }) == request.count else { return nil }
        var answer: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 512)
        // The status line is all that matters: "HTTP/1.1 200 OK".
        while answer.count < 64, !answer.contains(UInt8(ascii: "\n")) {
            let count = buffer.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, 0) }
            guard count > 0 else { break }
            answer += buffer[..<count]
        }
        let statusLine = String(decoding: answer.prefix { $0 != UInt8(ascii: "\r") && $0 != UInt8(ascii: "\n") }, as: UTF8.self)
        let parts = statusLine.split(separator: " ")
        guard parts.count >= 2, parts[0].hasPrefix("HTTP/") else { return nil }
        return Int(parts[1])
    }
}
