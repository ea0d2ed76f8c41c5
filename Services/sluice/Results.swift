import ArgumentParser
import Foundation

extension Sluice {
    /// `sluice results ID`: a finished job's summary.
    struct Results: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show a completed job's summary.")

        @Argument(help: "The job id.")
        var id: String

        @OptionGroup var options: GatewayOptions

        func run() async throws {
            try options.show(try await options.client().results(id)) { SummaryText($0).rendered }
        }
    }
}
