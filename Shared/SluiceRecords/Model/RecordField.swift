/// The three fields of a record, spelled as they are in JSON and in the CSV header.
public enum RecordField: String, Sendable, Hashable, CaseIterable {
    /// `id`: a 64-bit integer, unique within the job.
    case id
    /// `value`: a finite number.
    case value
    /// `category`: a non-empty string.
    case category
}
