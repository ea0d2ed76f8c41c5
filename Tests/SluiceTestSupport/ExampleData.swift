import Foundation

/// The example data the repository ships (`infra/examples/`), which `make run` and the
/// README's tour submit, so the tests submit the same bytes a new user does.
public enum ExampleData {
    /// The seed request: three records and a `processing_config`, as the first Sluice
    /// users sent it to `POST /process`.
    public static let seedSampleFile = repositoryRoot.appendingPathComponent("infra/examples/seed-sample.json")

    /// The seed request's bytes.
    public static func seedSample() throws -> Data {
        try Data(contentsOf: seedSampleFile)
    }
}
