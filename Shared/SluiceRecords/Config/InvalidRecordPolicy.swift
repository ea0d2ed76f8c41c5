/// What invalid records do to a job: the `on_invalid` setting.
public enum InvalidRecordPolicy: String, Sendable, Hashable, Encodable, CaseIterable {
    /// `fail`: one invalid record fails the whole job.
    case fail
    /// `drop`: invalid records are counted and left out; the job fails only when none is valid.
    case drop
}
