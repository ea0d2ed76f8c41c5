import ArgumentParser

extension Sluice {
    /// `sluice migrate`: applies the schema migrations (placeholder until SluicePostgres lands).
    struct Migrate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Apply the job-history schema migrations.")
        func run() async throws {}
    }
}
