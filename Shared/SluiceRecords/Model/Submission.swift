/// A parsed job submission: its candidate records (or the file they are in) and how to
/// process them.
public struct Submission: Sendable, Hashable {
    /// The records carried in the body, in order; empty when ``inputURI`` names a file.
    public var records: [CandidateRecord]
    /// The processing configuration: the body's own, or the one given to the parser.
    public var config: ProcessingConfig
    /// The relative path of the file holding the records, for `{"input_uri": …}`
    /// submissions; nil when the records are in the body.
    public var inputURI: String?

    /// Creates a submission.
    public init(records: [CandidateRecord], config: ProcessingConfig, inputURI: String? = nil) {
        self.records = records
        self.config = config
        self.inputURI = inputURI
    }
}
