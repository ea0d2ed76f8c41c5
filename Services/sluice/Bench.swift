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
                A client waits out 429s and 503s as Retry-After says. Each job carries an Idempotency-Key, so a
                client whose gateway went away (behind a load balancer) submits it again without making a second
                job, and follows it again when its event stream is cut; it gives up on a job after
                --give-up-after seconds. Compare against a peer in the same run (README, "Benchmarks"): these
                machines are shared and noisy.

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

        @Option(name: .customLong("give-up-after"), help: "Seconds a client keeps resubmitting or re-following one job while the gateway cannot be reached.")
        var giveUpAfter = 120.0

        @OptionGroup var connection: GatewayConnection

        @Flag(name: .long, help: "Print the run's result (jobs per second, latency percentiles) as one JSON object.")
        var json = false

        func validate() throws {
            guard jobs >= 1, clients >= 1, records >= 1 else { throw ValidationError("--jobs, --clients and --records must be at least 1") }
            guard giveUpAfter > 0, giveUpAfter.isFinite else { throw ValidationError("--give-up-after must be a number of seconds above 0") }
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
                    let patience = Duration.milliseconds(Int64(giveUpAfter * 1000))
                    group.addTask { try await BenchClient(client: client, body: body, patience: patience).run(jobs: share) }
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
            /// Times the job was submitted again (same key) or re-followed after its gateway went away.
            let retries: Int
        }
    }
}
