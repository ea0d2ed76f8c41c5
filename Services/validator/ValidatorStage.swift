import Foundation
import SluiceContracts
import SluiceCore
import SluiceJobs
import SluicePostgres
import SluiceRecords
import SluiceWorker

/// The validate stage: checks every record of the job's input, counts data quality,
/// applies the job's `on_invalid` policy, and writes `validation.json` and
/// `validated.parquet` for the normalizer (``ValidatedArtifacts``). The submitted text is
/// read once: a body that the gateway (or, for a script's message, the
/// ``SubmissionIntake``) already checked arrives with those artifacts written, and the
/// stage only reports them; a file named by `input_uri` is read and checked here, its
/// errors located as the gateway locates a body's.
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
        if let summary = ValidatedArtifacts.finished(jobID: jobID, artifacts: job.artifacts) {
            return result(summary.quality, kept: summary.quality.valid, started: started, alreadyChecked: true)
        }
        let config: ProcessingConfig
        do { config = try ProcessingConfig(json: Array(job.config.text.utf8)) } catch {
            throw StageError(.invalidData, "the job's processing_config: \(error.message)")
        }
        let (format, body): (SubmissionFormat, Data)
        do { (format, body) = try InputArtifact.read(jobID, from: job.artifacts) } catch {
            throw StageError(.invalidData, "\(error)")
        }
        let check: BatchCheck
        do {
            check = try BatchCheck.check(body, format: format, config: config, limits: limits, artifacts: job.artifacts, owner: job.owner, readingInputURI: true)
        } catch {
            throw StageError(.invalidData, "\(InputArtifact.name(format)): \(error.message)")
        }
        try ValidatedArtifacts.write(check.batch, jobID: jobID, artifacts: job.artifacts)
        switch check.batch {
        case .clean(let columns):
            return result(QualityCounts(total: columns.count, valid: columns.count), kept: columns.count, started: started, alreadyChecked: false)
        case .validated(let report, .accepted), .validated(let report, .acceptedDroppingInvalid):
            return result(report.quality, kept: report.quality.valid, started: started, alreadyChecked: false)
        case .validated(_, .rejected(let error)):
            // jobs.error is read in SQL: name the first offender, not only the count.
            let first = error.details.first.map { detail in
                let place = [detail.field, detail.line.map { "line \($0)" }, detail.column.map { "column \($0)" }].compactMap { $0 }
                return "; the first: record \(detail.record.map(String.init) ?? "?")\(place.isEmpty ? "" : " (\(place.joined(separator: ", ")))"): \(detail.message ?? detail.reason ?? "")"
            } ?? ""
            throw StageError(.invalidData, error.message + first)
        case .located:
            preconditionFailure("the validator reads input_uri files")
        }
    }

    /// The stage's outcome: the quality counts as metrics; `checked_at_intake` is 1 when
    /// the records were checked and written where the job came in (the gateway, or the
    /// intake of scripts' messages).
    private static func result(_ quality: QualityCounts, kept: Int, started: ContinuousClock.Instant, alreadyChecked: Bool) -> StageResult {
        var metrics: [StageOutcome.Metric] = [
            .init(.recordsTotal, Double(quality.total)),
            .init(.recordsValid, Double(quality.valid)),
            .init(.recordsInvalid, Double(quality.invalid)),
            .init(.duplicateIDs, Double(quality.duplicates)),
            .init(.validateSeconds, (ContinuousClock.now - started).seconds),
            .init(.checkedAtIntake, alreadyChecked ? 1 : 0),
        ]
        metrics += quality.invalidByReason.sorted { $0.key < $1.key }.map { .init(.invalid($0.key), Double($0.value)) }
        return StageResult(outcome: StageOutcome(
            recordsIn: quality.total, recordsOut: kept, metrics: metrics, jobRecordCount: quality.total
        ))
    }
}
