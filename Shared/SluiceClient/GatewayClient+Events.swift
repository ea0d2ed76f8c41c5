import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

extension GatewayClient {
    /// `GET /api/v1/jobs/{id}/events`: the job's progress as it happens, from its first
    /// stage to its `end` event, after which the sequence finishes. A refusal (an
    /// unknown job, a missing key) throws ``GatewayClientError`` with the gateway's message.
    ///
    /// Every stream of a client shares its one `URLSession`: on Linux a session of its own
    /// per stream cost the client some 30 ms of CPU a job (its own libcurl handle and
    /// dispatch queues, woken over and over while the stream waits).
    public func events(of id: String) -> AsyncThrowingStream<ServerSentEvent, any Error> {
        let (stream, continuation) = AsyncThrowingStream.makeStream(of: ServerSentEvent.self)
        var request = URLRequest(url: baseURL.appendingPathComponent("/api/v1/jobs/\(id)/events"))
        request.setValue("text/event-stream", forHTTPHeaderField: "Accept")
        if let apiKey { request.setValue("Bearer \(apiKey)", forHTTPHeaderField: "Authorization") }
        // No timeout for the whole stream: the gateway sends a keep-alive comment every 15 s.
        request.timeoutInterval = 60
        let task = session.dataTask(with: request)
        let streams = streams
        streams.register(EventStreamReader(continuation), for: task)
        continuation.onTermination = { _ in
            task.cancel()
            streams.remove(task)
        }
        task.resume()
        return stream
    }
}

/// The delegate of a ``GatewayClient``'s session: hands each event stream's response to
/// the ``EventStreamReader`` registered for its task. Requests made with a completion
/// handler (every other call of the client) do not come here.
///
/// `@unchecked Sendable`: `readers` is only touched under `lock`.
final class EventStreamRouter: NSObject, URLSessionDataDelegate, @unchecked Sendable {
    private let lock = NSLock()
    private var readers: [Int: EventStreamReader] = [:]

    func register(_ reader: EventStreamReader, for task: URLSessionTask) {
        lock.withLock { readers[task.taskIdentifier] = reader }
    }

    func remove(_ task: URLSessionTask) {
        lock.withLock { _ = readers.removeValue(forKey: task.taskIdentifier) }
    }

    private func reader(of task: URLSessionTask) -> EventStreamReader? {
        lock.withLock { readers[task.taskIdentifier] }
    }

    func urlSession(
        _ session: URLSession, dataTask: URLSessionDataTask, didReceive response: URLResponse,
        completionHandler: @escaping (URLSession.ResponseDisposition) -> Void
    ) {
        reader(of: dataTask)?.received((response as? HTTPURLResponse)?.statusCode ?? 0)
        completionHandler(.allow)
    }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive data: Data) {
        reader(of: dataTask)?.received(data)
    }

    func urlSession(_ session: URLSession, task: URLSessionTask, didCompleteWithError error: (any Error)?) {
        reader(of: task)?.completed(error)
        remove(task)
    }
}

/// Feeds one streaming response into an ``AsyncThrowingStream`` of events.
///
/// `@unchecked Sendable`: the session calls its delegate on its delegate queue, an
/// operation queue that runs one call at a time, so `parser`, `status` and `refusal`
/// are never touched from two threads at once.
final class EventStreamReader: @unchecked Sendable {
    private let continuation: AsyncThrowingStream<ServerSentEvent, any Error>.Continuation
    private var parser = ServerSentEventParser()
    private var status = 0
    /// A refusal's body, kept for its message.
    private var refusal = Data()

    init(_ continuation: AsyncThrowingStream<ServerSentEvent, any Error>.Continuation) {
        self.continuation = continuation
    }

    func received(_ status: Int) {
        self.status = status
    }

    func received(_ data: Data) {
        guard status == 200 else {
            refusal.append(data)
            return
        }
        for event in parser.feed(data) { continuation.yield(event) }
    }

    func completed(_ error: (any Error)?) {
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
