import Hummingbird
import Prometheus

extension PrometheusCollectorRegistry {
    /// Every metric in the Prometheus text format, as the answer to `GET /metrics`.
    public func response() -> Response {
        Response(
            status: .ok,
            headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: emitToBuffer()))
        )
    }
}
