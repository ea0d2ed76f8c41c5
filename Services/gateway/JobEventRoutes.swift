import Foundation
import Hummingbird
import SluiceContracts
import NIOCore

/// `GET /api/v1/jobs/{id}/events`: the job's progress as Server-Sent Events
/// (``JobProgress``), fed by LISTEN/NOTIFY through ``JobEvents``. The stream starts with
/// everything that happened so far, so a client that connects late or reconnects
/// misses nothing, and ends after the `end` event; a comment line every `keepAlive`
/// keeps proxies from closing a quiet stream.
struct JobEventRoutes: Sendable {
    let history: JobHistory
    let events: JobEvents
    /// How long the stream may stay silent before a keep-alive comment (and a re-read of the job).
    var keepAlive: Duration = .seconds(15)

    func register(on router: Router<GatewayRequestContext>) {
        router.get("api/v1/jobs/:id/events") { _, context in try await self.stream(try await history.jobID(context)) }
    }

    func stream(_ jobID: UUID) async throws -> Response {
        let subscription = events.subscribe(jobID)
        let first: (job: JobHistory.Job, config: String, traceID: String?, attempts: [StageAttempt])?
        do {
            first = try await history.job(jobID)
        } catch {
            events.unsubscribe(subscription)
            throw error
        }
        guard let first else {
            events.unsubscribe(subscription)
            throw GatewayError.jobNotFound(jobID.uuidString.lowercased())
        }
        let (history, events, keepAlive) = (history, events, keepAlive)
        let headers: HTTPFields = [.contentType: "text/event-stream; charset=utf-8", .cacheControl: "no-cache"]
        return Response(status: .ok, headers: headers, body: ResponseBody { writer in
            defer { events.unsubscribe(subscription) }
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    while true {
                        try await Task.sleep(for: keepAlive)
                        subscription.poke()
                    }
                }
                var progress = JobProgress()
                var reading = (first.job, first.attempts)
                var wakes = subscription.wakes.makeAsyncIterator()
                while true {
                    let told = try progress.events(job: reading.0, attempts: reading.1)
                    let text = told.isEmpty ? ": keep-alive\n\n" : told.map(\.text).joined()
                    try await writer.write(ByteBuffer(string: text))
                    guard !progress.ended, await wakes.next() != nil else { break }
                    guard let next = try await history.job(jobID) else { break }
                    reading = (next.job, next.attempts)
                }
                group.cancelAll()
            }
            try await writer.finish(nil)
        })
    }
}
