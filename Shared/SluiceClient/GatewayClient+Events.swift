import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

extension GatewayClient {
    /// `GET /api/v1/jobs/{id}/events`: the job's progress as it happens, from its first
    /// stage to its `end` event, after which the sequence finishes. A refusal (an
    /// unknown job, a missing key) throws ``GatewayClientError`` with the gateway's message.
    public func events(of id: String) -> AsyncThrowingStream<ServerSentEvent, any Error> {
        let (stream, continuation) = AsyncThrowingStream.makeStream(of: ServerSentEvent.self)
        var request = URLRequest(url: baseURL.appendingPathComponent("/api/v1/jobs/\(id)/events"))
        request.setValue("text/event-stream", forHTTPHeaderField: "Accept")
        if let apiKey { request.setValue("Bearer \(apiKey)", forHTTPHeaderField: "Authorization") }
        // No timeout for the whole stream: the gateway sends a keep-alive comment every 15 s.
        request.timeoutInterval = 60
        let delegate = EventStreamDelegate(continuation)
        let session = URLSession(configuration: .ephemeral, delegate: delegate, delegateQueue: nil)
        let task = session.dataTask(with: request)
        continuation.onTermination = { _ in
            task.cancel()
            session.finishTasksAndInvalidate()
        }
        task.resume()
        return stream
    }
}

/// Feeds a streaming response into an ``AsyncThrowingStream`` of events.
///
/// `@unchecked Sendable`: URLSession calls a delegate on its delegate queue, an
/// operation queue that runs one call at a time, so `parser`, `status` and `refusal`
/// are never touched from two threads at once.
private final class EventStreamDelegate: NSObject, URLSessionDataDelegate, @unchecked Sendable {
    private let continuation: AsyncThrowingStream<ServerSentEvent, any Error>.Continuation
    private var parser = ServerSentEventParser()
    private var status = 0
    /// A refusal's body, kept for its message.
    private var refusal = Data()

    init(_ continuation: AsyncThrowingStream<ServerSentEvent, any Error>.Continuation) {
        self.continuation = continuation
    }

    func urlSession(
        _ session: URLSession, dataTask: URLSessionDataTask, didReceive response: URLResponse,
        completionHandler: @escaping (URLSession.ResponseDisposition) -> Void
    ) {
        status = (response as? HTTPURLResponse)?.statusCode ?? 0
        completionHandler(.allow)
    }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive data: Data) {
        guard status == 200 else {
            refusal.append(data)
            return
        }
        for event in parser.feed(data) { continuation.yield(event) }
    }

    func urlSession(_ session: URLSession, task: URLSessionTask, didCompleteWithError error: (any Error)?) {
        if let error {
            continuation.finish(throwing: error)
        } else if status != 200 {
            let response = GatewayResponse(status: status, headers: [:], body: refusal)
            let message = response.error.map { "\($0.error.code): \($0.error.message)" } ?? response.text
            continuation.finish(throwing: GatewayClientError("the gateway refused the events of the job (\(status)): \(message)"))
        } else {
            continuation.finish()
        }
    }
}
