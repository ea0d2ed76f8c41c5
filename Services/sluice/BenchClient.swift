import Foundation
import SluiceClient

/// One client of `sluice bench`: submits its jobs one after another and follows each to
/// its end, riding out a gateway that goes away (a load balancer's other gateway answers
/// the retry) for at most `patience` per job.
struct BenchClient: Sendable {
    let client: GatewayClient
    let body: Data
    let patience: Duration

    func run(jobs: Int) async throws -> [Sluice.Bench.Outcome] {
        var outcomes: [Sluice.Bench.Outcome] = []
        for _ in 0..<jobs {
            let deadline = ContinuousClock.now + patience
            let (id, accepted, submitRetries) = try await submit(key: UUID().uuidString, until: deadline)
            let (status, followRetries) = try await follow(id, until: deadline + patience)
            outcomes.append(.init(completed: status == "completed", latency: .now - accepted, retries: submitRetries + followRetries))
        }
        return outcomes
    }

    /// Submits under idempotency key `key` until the gateway accepts, waiting out 429s and
    /// 503s as Retry-After says and resubmitting (same key: at most one job) when no
    /// gateway answered; returns the job id, when it was accepted and how many tries it took past the first.
    private func submit(key: String, until deadline: ContinuousClock.Instant) async throws -> (String, ContinuousClock.Instant, Int) {
        var retries = 0
        while true {
            let sent = ContinuousClock.now
            let wait: Duration
            do {
                let response = try await client.submit(body, contentType: "application/json", idempotencyKey: key)
                if response.status == 202 || response.status == 200, let id = response.object()?["job_id"] as? String {
                    return (id, sent, retries)
                }
                guard response.status == 429 || response.status == 503 else {
                    throw GatewayClientError("the gateway refused a job (\(response.status)): \(response.text.prefix(300))")
                }
                wait = .seconds(min(Int(response.headers["retry-after"] ?? "1") ?? 1, 10))
            } catch let error as GatewayClientError where error.kind == .unreachable {
                wait = .seconds(1)
            }
            guard ContinuousClock.now + wait < deadline else {
                throw GatewayClientError("gave up on a job after \(patience) of retries (idempotency key \(key))", kind: .unreachable)
            }
            try await Task.sleep(for: wait)
            retries += 1
        }
    }

    /// Follows job `id`'s events to its `end`, following again when the stream is cut
    /// before it; returns the final status and how many times it followed again.
    private func follow(_ id: String, until deadline: ContinuousClock.Instant) async throws -> (String, Int) {
        var retries = 0
        while true {
            do {
                for try await event in client.events(of: id) where event.name == "end" {
                    return (event.object()?["status"] as? String ?? "?", retries)
                }
            } catch let error as GatewayClientError where error.kind == .unreachable {
                // Cut off with its gateway: follow again below.
            }
            guard ContinuousClock.now + .seconds(1) < deadline else {
                throw GatewayClientError("lost job \(id)'s event stream and could not follow it again within \(patience)", kind: .unreachable)
            }
            try await Task.sleep(for: .seconds(1))
            retries += 1
        }
    }
}
