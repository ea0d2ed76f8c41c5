import ArgumentParser
import Foundation

extension Sluice {
    /// `sluice cancel ID`: stops a queued or running job at the next stage boundary.
    struct Cancel: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Cancel a queued or running job (it stops at the next stage boundary).",
            discussion: """
                Examples:
                  sluice cancel 0b7c5f1e            no further stage starts for the job; it gets no results

                Exit status: 0 cancelled; 1 refused (unknown job, or it already ended: 409 job_finished).
                """
        )

        @Argument(help: "The job id, or its first 8 or more hex digits.")
        var id: String

        @OptionGroup var options: GatewayOptions

        func run() async throws {
            try options.show(try await options.client().cancel(id)) { "job \($0["job_id"] as? String ?? id) cancelled" }
        }
    }

    /// `sluice retry ID`: runs a failed job again from the stage that failed.
    struct Retry: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run a failed job again from the stage that failed.",
            discussion: """
                The failed stage runs again as its next attempt; what earlier stages wrote is reused.

                Examples:
                  sluice retry 0b7c5f1e && sluice watch 0b7c5f1e

                Exit status: 0 queued again; 1 refused (unknown job, or not failed: 409 job_not_failed).
                """
        )

        @Argument(help: "The job id, or its first 8 or more hex digits.")
        var id: String

        @OptionGroup var options: GatewayOptions

        func run() async throws {
            try options.show(try await options.client().retry(id)) { answer in
                "job \(answer["job_id"] as? String ?? id) queued again: \(answer["stage"] as? String ?? "?") attempt \(answer["attempt"] as? Int ?? 0)"
            }
        }
    }
}
