import ArgumentParser
import Foundation
import SluiceClient

extension Sluice {
    /// `sluice bench`: a closed-loop load test through the gateway.
    struct Bench: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Load-test the pipeline through the gateway: submit jobs from concurrent clients, follow each to its end.",
            discussion: """
                Each of --clients clients submits a job of --records generated records (POST /api/v1/jobs), follows
                it over its event stream to its end, and submits the next, until --jobs jobs are done. Prints the
                jobs per second over the whole run and the end-to-end latency (accepted to ended) percentiles.
                A client waits out 429s as Retry-After says. Compare against a peer in the same run (README,
                "Benchmarks"): these machines are shared and noisy.

                Examples:
                  sluice bench --jobs 200 --clients 16 --records 5
                  sluice bench --jobs 10 --clients 1 --records 25000 --json

                Exit status: 0 every job completed; 1 the gateway refused a job; 2 some jobs failed; 69 the gateway cannot be reached.
                """
        )

        @Option(name: .long, help: "How many jobs in all.")
        var jobs = 100

        @Option(name: .long, help: "How many clients submit at once.")
        var clients = 8

        @Option(name: .long, help: "Records per job.")
        var records = 5

        @OptionGroup var connection: GatewayConnection

        @Flag(name: .long, help: "Print the run's result (jobs per second, latency percentiles) as one JSON object.")
        var json = false

        func validate() throws {
            guard jobs >= 1, clients >= 1, records >= 1 else { throw ValidationError("--jobs, --clients and --records must be at least 1") }
        }

        func run() async throws {
            let client = try connection.client()
            let body = try JSONSerialization.data(withJSONObject: [
                "data": (1...records).map { ["id": $0, "value": Double($0 % 97) * 1.25, "category": "c\($0 % 4)"] },
                "processing_config": ["compare_pipelines": true],
            ])
            let started = ContinuousClock.now
            let outcomes = try await withThrowingTaskGroup(of: [Outcome].self) { group in
                for number in 0..<clients {
                    let share = jobs / clients + (number < jobs % clients ? 1 : 0)
                    group.addTask { try await Self.runClient(client, body: body, jobs: share) }
                }
                return try await group.reduce(into: []) { $0 += $1 }
            }
            let result = BenchResult(outcomes, wall: ContinuousClock.now - started, clients: clients, records: records)
            if json {
                print(String(decoding: try JSONEncoder().encode(result), as: UTF8.self))
            } else {
                print(result.text)
            }
            if result.failed > 0 { throw ExitCode(2) }
        }

        /// How one job went.
        struct Outcome: Sendable {
            let completed: Bool
            let latency: Duration
        }

        private static func runClient(_ client: GatewayClient, body: Data, jobs: Int) async throws -> [Outcome] {
            var outcomes: [Outcome] = []
            for _ in 0..<jobs {
                let (id, accepted) = try await submit(client, body: body)
                var status = "?"
                for try await event in client.events(of: id) where event.name == "end" {
                    status = event.object()?["status"] as? String ?? "?"
                }
                outcomes.append(Outcome(completed: status == "completed", latency: ContinuousClock.now - accepted))
            }
            return outcomes
        }

        /// Submits, waiting out 429s; returns the job id and when it was accepted.
        private static func submit(_ client: GatewayClient, body: Data) async throws -> (String, ContinuousClock.Instant) {
            while true {
                let sent = ContinuousClock.now
                let response = try await client.submit(body, contentType: "application/json")
                if response.status == 202, let id = response.object()?["job_id"] as? String { return (id, sent) }
                guard response.status == 429 else {
                    throw GatewayClientError("the gateway refused a job (\(response.status)): \(response.text.prefix(300))")
                }
                try await Task.sleep(for: .seconds(Int(response.headers["retry-after"] ?? "1") ?? 1))
            }
        }
    }
}
