import Foundation
import SluiceContracts
import SluicePostgres

extension StageMessage {
    /// The message of `attempt` of `stage` for the job in `row`, which carries the job's
    /// `job_id`, `trace_id` and `submitted_at`. A job stored without a trace id (one that
    /// came from a script that sent none) gets a fresh one.
    init(_ row: PostgresRow, stage: Stage, attempt: Int) throws {
        self.init(
            jobID: try row.decode("job_id"), stage: stage, attempt: attempt,
            traceID: try row.decode("trace_id", as: String?.self) ?? UUID().uuidString.lowercased(),
            submittedAt: try row.decode("submitted_at")
        )
    }
}
