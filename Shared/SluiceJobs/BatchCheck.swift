import Foundation
import SluiceColumns
import SluiceRecords

/// A submitted batch read and checked once, the same way at the gateway (a body it
/// received) and at the validator (an input it reads itself): a plain valid CSV through
/// ``CleanCSV`` straight into columns, anything else through ``SubmissionParser`` and
/// ``RecordValidator``, which locate every problem.
public struct BatchCheck: Sendable {
    /// What the check found.
    public enum Batch: Sendable {
        /// Every record valid, read straight into columns.
        case clean(RecordColumns)
        /// Read record by record and validated; the outcome applies the job's `on_invalid` policy.
        case validated(ValidationReport, ValidationOutcome)
        /// A body that names its records' file, which was located but not read.
        case located(inputURI: String)
    }

    /// The batch's processing configuration: a JSON body's own, or the one given.
    public let config: ProcessingConfig
    public let batch: Batch

    /// Reads `bytes` in `format`. A JSON body naming an `input_uri` has its file located
    /// and, with `readingInputURI`, read and checked in the same way; without, the result
    /// is ``Batch/located(inputURI:)``. The file is looked up in `owner`'s input folder.
    public static func check(
        _ bytes: some Collection<UInt8>, format: SubmissionFormat, config: ProcessingConfig, limits: SubmissionLimits,
        artifacts: ArtifactStore, owner: String, readingInputURI: Bool
    ) throws(SubmissionError) -> BatchCheck {
        if format == .csv, let columns = clean(bytes, limits: limits) { return BatchCheck(config: config, batch: .clean(columns)) }
        let parser = SubmissionParser(limits: limits)
        let submission = try parser.parse(bytes, format: format, config: config)
        guard let uri = submission.inputURI else {
            return BatchCheck(config: submission.config, batch: validated(submission.records, config: submission.config, limits: limits))
        }
        let (file, fileFormat) = try InputArtifact.locate(uri, in: artifacts, owner: owner, limits: limits)
        guard readingInputURI else { return BatchCheck(config: submission.config, batch: .located(inputURI: uri)) }
        guard let content = try? Data(contentsOf: file) else { throw InputArtifact.refusal(uri, "the file cannot be read") }
        if fileFormat == .csv, let columns = clean(content, limits: limits) {
            return BatchCheck(config: submission.config, batch: .clean(columns))
        }
        let inFile = try parser.parse(content, format: fileFormat, config: submission.config)
        guard inFile.inputURI == nil else { throw InputArtifact.refusal(uri, "the file names another input_uri; it must hold the records") }
        return BatchCheck(config: submission.config, batch: validated(inFile.records, config: submission.config, limits: limits))
    }

    /// Records in the batch, valid or not; nil for a located file.
    public var records: Int? {
        switch batch {
        case .clean(let columns): columns.count
        case .validated(let report, _): report.quality.total
        case .located: nil
        }
    }

    /// Invalid records that `on_invalid: drop` leaves out.
    public var dropped: Int {
        if case .validated(_, .acceptedDroppingInvalid(_, let dropped)) = batch { return dropped }
        return 0
    }

    /// The refusal of a batch the job cannot go on with.
    public var rejection: SubmissionError? {
        if case .validated(_, .rejected(let error)) = batch { return error }
        return nil
    }

    private static func clean(_ bytes: some Collection<UInt8>, limits: SubmissionLimits) -> RecordColumns? {
        bytes.withContiguousStorageIfAvailable { CleanCSV.columns(UnsafeRawBufferPointer($0), limits: limits) } ?? nil
    }

    private static func validated(_ records: [CandidateRecord], config: ProcessingConfig, limits: SubmissionLimits) -> Batch {
        let report = RecordValidator(limits: limits).validate(records)
        return .validated(report, report.outcome(onInvalid: config.onInvalid))
    }
}
