import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Synchronization

extension GatewayClient {
    /// `GET /api/v1/jobs/{id}/events`: the job's progress as it happens, from its first
    /// stage to its `end` event, after which the sequence finishes. A key over its rate
    /// (429) waits as the gateway's `Retry-After` says and asks again; any other refusal
    /// (an unknown job, a missing key) throws ``GatewayClientError`` with the gateway's message.
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
        let follow = EventStreamFollow(request: request, gateway: baseURL, session: session, streams: streams, continuation: continuation)
        continuation.onTermination = { _ in follow.cancel() }
        follow.open()
        return stream
    }
}

/// One ``GatewayClient/events(of:)`` sequence: its current request, opened again after
/// a 429 once the gateway's `Retry-After` has passed, and cancelled when the sequence ends.
///
/// Its current task and whether it was cancelled are guarded by a `Mutex`.
final class EventStreamFollow: Sendable {
    private struct State {
        var task: URLSessionDataTask?
        var cancelled = false
    }

    private let request: URLRequest
    private let gateway: URL
    private let session: URLSession
    private let streams: EventStreamRouter
    private let continuation: AsyncThrowingStream<ServerSentEvent, any Error>.Continuation
    private let state = Mutex(State())

    init(
        request: URLRequest, gateway: URL, session: URLSession, streams: EventStreamRouter,
        continuation: AsyncThrowingStream<ServerSentEvent, any Error>.Continuation
    ) {
        self.request = request
        self.gateway = gateway
        self.session = session
        self.streams = streams
        self.continuation = continuation
    }

    /// Sends the request (again), unless the sequence has ended.
    func open() {
        let task = session.dataTask(with: request)
        let opened = state.withLock { state in
            guard !state.cancelled else { return false }
            state.task = task
            return true
        }
        guard opened else { return }
        streams.register(EventStreamReader(continuation, gateway: gateway) { [self] delay in
            DispatchQueue.global().asyncAfter(deadline: .now() + delay) { self.open() }
        }, for: task)
        task.resume()
    }

    /// Stops the current request and any later one.
    func cancel() {
        let task = state.withLock { state in
            state.cancelled = true
            return state.task
        }
        guard let task else { return }
        task.cancel()
        streams.remove(task)
    }
}

/// The delegate of a ``GatewayClient``'s session: hands each event stream's response to
/// the ``EventStreamReader`` registered for its task. Requests made with a completion
/// handler (every other call of the client) do not come here.
///
/// The readers, by task, are guarded by a `Mutex`.
final class EventStreamRouter: NSObject, URLSessionDataDelegate, Sendable {
    private let readers = Mutex<[Int: EventStreamReader]>([:])

    func register(_ reader: EventStreamReader, for task: URLSessionTask) {
        let id = task.taskIdentifier
        readers.withLock { $0[id] = reader }
    }

    func remove(_ task: URLSessionTask) {
        let id = task.taskIdentifier
        readers.withLock { _ = $0.removeValue(forKey: id) }
    }

    private func reader(of task: URLSessionTask) -> EventStreamReader? {
        let id = task.taskIdentifier
        return readers.withLock { $0[id] }
    }

    func urlSession(
        _ session: URLSession, dataTask: URLSessionDataTask, didReceive response: URLResponse,
        completionHandler: @escaping (URLSession.ResponseDisposition) -> Void
    ) {
        reader(of: dataTask)?.received(response as? HTTPURLResponse)
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
    /// The gateway's root, for errors.
    private let gateway: URL
    private var parser = ServerSentEventParser()
    /// Called instead of ending the sequence when the gateway answers 429, with the seconds its `Retry-After` asks for.
    private let retryAfter: @Sendable (Double) -> Void
    private var status = 0
    private var retryAfterSeconds = 1.0
    /// A refusal's body, kept for its message.
    private var refusal = Data()

    init(
        _ continuation: AsyncThrowingStream<ServerSentEvent, any Error>.Continuation,
        gateway: URL,
        retryAfter: @escaping @Sendable (Double) -> Void
    ) {
        self.continuation = continuation
        self.gateway = gateway
        self.retryAfter = retryAfter
    }

    func received(_ response: HTTPURLResponse?) {
        status = response?.statusCode ?? 0
        if let text = response?.value(forHTTPHeaderField: "Retry-After"), let seconds = Double(text), seconds >= 0 {
            retryAfterSeconds = seconds
        }
    }

    func received(_ data: Data) {
        guard status == 200 else {
            refusal.append(data)
            return
        }
        for event in parser.feed(data) { continuation.yield(event) }
    }

    func completed(_ error: (any Error)?) {
        if let error = error as? URLError, error.code != .cancelled {
            continuation.finish(throwing: GatewayClientError(error, reaching: gateway, timeout: .seconds(60)))
        } else if let error {
            continuation.finish(throwing: error)
        } else if status == 429 {
            retryAfter(retryAfterSeconds)
        } else if status != 200 {
            guard let refusal = GatewayResponse(status: status, headers: [:], body: refusal).error else {
                continuation.finish(throwing: GatewayClientError.notSluice(gateway, status: status, "its answer to the job's event stream was HTTP \(status) without a Sluice error"))
                return
            }
            let what = "the gateway refused the events of the job (\(status)): \(refusal.error.code): \(refusal.error.message)"
            // 503: what the gateway needs (its database, the broker) is away for now.
            continuation.finish(throwing: GatewayClientError(what, kind: status == 503 ? .unreachable : .refused))
        } else {
            continuation.finish()
        }
    }
}
