import Foundation
import SluiceColumns
import SluiceContracts
import SluiceRecords

/// What the validate step leaves in a job's folder: `validation.json` (a
/// ``ValidationSummary``) and, for a job that goes on, `validated.parquet` (its records as
/// columns, see ``RecordParquet``).
///
/// The gateway writes them for a body it has just parsed and checked, so that the
/// validator does not parse the same bytes again; the validator writes them for input it
/// reads itself (a file named by `input_uri`, a script's message, or a job whose gateway
/// died before writing them). `validation.json` is written first and the columns last, so
/// columns in place mean that the step was finished.
public enum ValidatedArtifacts {
    /// Writes the summary and, unless the job is rejected, the columns of the records it
    /// goes on with; a located file, not read yet, has nothing to write.
    public static func write(_ batch: BatchCheck.Batch, jobID: UUID, artifacts: ArtifactStore) throws {
        let columns: RecordColumns
        switch batch {
        case .located: return
        case .clean(let clean):
            try artifacts.write(try ValidationSummary(clean: clean.count).encoded(), jobID, ArtifactName.validation)
            columns = clean
        case .validated(let report, let outcome):
            try artifacts.write(try ValidationSummary(report: report, outcome: outcome).encoded(), jobID, ArtifactName.validation)
            switch outcome {
            case .accepted(let records), .acceptedDroppingInvalid(let records, _):
                columns = RecordColumns(records, id: \.id, value: \.value, category: \.category)
            case .rejected: return
            }
        }
        try RecordParquet.write(columns, to: artifacts.url(jobID, ArtifactName.validated))
    }

    /// The summary of a job whose validated columns are already written, or nil when
    /// they are not (or the summary cannot be read: the step is then done again).
    public static func finished(jobID: UUID, artifacts: ArtifactStore) -> ValidationSummary? {
        guard FileManager.default.fileExists(atPath: artifacts.url(jobID, ArtifactName.validated).path),
              let data = try? artifacts.read(jobID, ArtifactName.validation),
              let summary = try? JSONDecoder().decode(ValidationSummary.self, from: data),
              summary.accepted
        else { return nil }
        return summary
    }
}

/// What `validation.json` holds: the batch's quality counts, whether the job goes on, how
/// many invalid records `on_invalid: drop` left out, and the refusal of a rejected batch.
public struct ValidationSummary: Codable, Sendable {
    public let quality: QualityCounts
    public let accepted: Bool
    public let dropped: Int
    public let error: ErrorBody?

    /// A batch of `count` records, every one valid.
    public init(clean count: Int) {
        quality = QualityCounts(total: count, valid: count)
        (accepted, dropped, error) = (true, 0, nil)
    }

    public init(report: ValidationReport, outcome: ValidationOutcome) {
        quality = report.quality
        switch outcome {
        case .accepted: (accepted, dropped, error) = (true, 0, nil)
        case .acceptedDroppingInvalid(_, let count): (accepted, dropped, error) = (true, count, nil)
        case .rejected(let rejection): (accepted, dropped, error) = (false, 0, ErrorBody(rejection))
        }
    }

    func encoded() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return try encoder.encode(self)
    }
}
