import ArgumentParser
import Foundation

extension Sluice {
    /// `sluice watch ID`: a job's progress, live, then its summary.
    struct Watch: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Follow a job stage by stage as it runs, then print its summary.",
            discussion: """
                Reads GET /api/v1/jobs/{id}/events (Server-Sent Events). On a terminal the stages are
                redrawn in place; otherwise each event is one line. A finished job's history is shown at once.

                Examples:
                  sluice watch 0b7c5f1e                 follow a job
                  sluice watch 0b7c5f1e | tee job.log   plain lines, one per event

                Exit status: 0 completed; 1 the gateway refused (unknown job, no key); 2 the job failed
                or was cancelled; 3 --timeout passed first (the job runs on).
                """
        )

        @Argument(help: "The job id, or its first 8 or more hex digits.")
        var id: String

        @Option(name: .long, help: "The most seconds to follow the job.")
        var timeout: Double = 3600

        @OptionGroup var options: GatewayOptions

        func run() async throws {
            try await JobFollower(client: options.client(), timeout: .seconds(timeout), json: options.json).follow(id)
        }
    }
}
