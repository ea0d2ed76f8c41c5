import ArgumentParser
import Foundation

extension Sluice {
    /// `sluice results ID`: a finished job's summary.
    struct Results: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show a completed job's summary.",
            discussion: """
                Examples:
                  sluice results 0b7c5f1e           records, statistics, per-category aggregates, timings, cost
                  sluice results 0b7c5f1e --json    the summary as the analyzer stored it

                Exit status: 0 shown; 1 refused (unknown job, or no results: 409 results_not_available).
                """
        )

        @Argument(help: "The job id, or its first 8 or more hex digits.")
        var id: String

        @OptionGroup var options: GatewayOptions

        func run() async throws {
            let response = try await options.client().results(id)
            try options.show(response) { _ in SummaryText.rendered(response.body) ?? response.text }
        }
    }
}
