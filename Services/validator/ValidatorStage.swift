import Foundation
import SluiceColumns
import SluiceCore
import SluiceJobs
import SluicePostgres
import SluiceRecords
import SluiceWorker

/// The validate stage: checks every record of the job's input artifact, counts data
/// quality, applies the job's `on_invalid` policy, and writes `validated.parquet` (the
/// records as columns, see ``RecordParquet``) for the normalizer and `validation.json`
/// (quality counts and the listed offenders). The submitted text is read here and
/// nowhere after.
struct ValidatorStage: StageHandler {
    /// Parsing and checking a large batch is CPU work: it runs here, not on Swift's cooperative pool.
    static let thread = BlockingThread(name: "validator")

    var limits = SubmissionLimits()

    func run(_ job: StageJob) async throws -> StageResult {
        let limits = limits
        return try await Self.thread.run { try Self.validate(job, limits: limits) }
    }

    private static func validate(_ job: StageJob, limits: SubmissionLimits) throws -> StageResult {
        let started = ContinuousClock.now
        let jobID = job.message.jobID
        let config: ProcessingConfig
        do { config = try ProcessingConfig(json: Array(job.config.text.utf8)) } catch {
            throw StageError(.invalidData, "the job's processing_config: \(error.message)")
        }
        let (format, body): (SubmissionFormat, Data)
        do { (format, body) = try InputArtifact.read(jobID, from: job.artifacts) } catch {
            throw StageError(.invalidData, "\(error)")
        }
        let submission: Submission
        do {
            let parser = SubmissionParser(limits: limits)
            submission = try InputArtifact.resolve(parser.parse(body, format: format, config: config), in: job.artifacts, parser: parser)
        } catch {
            throw StageError(.invalidData, "\(InputArtifact.name(format)): \(error.message)")
        }
        let report = RecordValidator(limits: limits).validate(submission.records)
        let outcome = report.outcome(onInvalid: submission.config.onInvalid)
        try job.artifacts.write(try ValidationSummary(report: report, outcome: outcome).encoded(), jobID, "validation.json")

        let records: [Record]
        switch outcome {
        case .accepted(let all): records = all
        case .acceptedDroppingInvalid(let valid, _): records = valid
        case .rejected(let error):
            // jobs.error is read in SQL: name the first offender, not only the count.
            let first = error.details.first.map { detail in
                "; the first: record \(detail.record.map(String.init) ?? "?")\(detail.field.map { " (\($0))" } ?? ""): \(detail.message ?? detail.reason ?? "")"
            } ?? ""
            throw StageError(.invalidData, error.message + first)
        }
        let columns = RecordColumns(records, id: \.id, value: \.value, category: \.category)
        try RecordParquet.write(columns, to: job.artifacts.url(jobID, RecordParquet.validatedName))

        let quality = report.quality
        var metrics: [StageOutcome.Metric] = [
            .init("records_total", Double(quality.total), unit: "records"),
            .init("records_valid", Double(quality.valid), unit: "records"),
            .init("records_invalid", Double(quality.invalid), unit: "records"),
            .init("duplicate_ids", Double(quality.duplicates), unit: "records"),
            .init("validate_seconds", (ContinuousClock.now - started).seconds, unit: "seconds"),
        ]
        metrics += quality.invalidByReason.sorted { $0.key < $1.key }.map { .init("invalid_\($0.key)", Double($0.value), unit: "records") }
        return StageResult(outcome: StageOutcome(
            recordsIn: quality.total, recordsOut: records.count, metrics: metrics, jobRecordCount: quality.total
        ))
    }
}

/// What `validation.json` holds.
struct ValidationSummary: Encodable {
    let quality: QualityCounts
    let accepted: Bool
    let dropped: Int
    let error: ErrorBody?

    init(report: ValidationReport, outcome: ValidationOutcome) {
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
