import Foundation
import SluiceContracts
import SluiceJobs

extension StageError {
    /// The failure of a stage that cannot read the input the stage before it wrote: the
    /// input is set aside (see ``StageInputs``), so that a retry runs the stage that
    /// writes it again instead of reading the same damaged bytes. `reason` says what is
    /// wrong, e.g. `part-00001.parquet: is truncated or damaged: …`.
    public static func unreadableInput(of job: StageJob, _ reason: String) -> StageError {
        guard let name = StageInputs.artifact(readBy: job.message.stage) else { return StageError(.invalidData, reason) }
        let writer = job.message.stage.previous?.rawValue ?? "the previous stage"
        do {
            guard let aside = try job.artifacts.setAside(job.message.jobID, name) else {
                return StageError(.invalidData, "\(name): \(reason); a retry runs \(writer) again to write it")
            }
            return StageError(.invalidData, "\(name): \(reason); set aside as \(aside), and a retry runs \(writer) again to write it anew")
        } catch {
            job.logger.error("could not set a damaged input aside", metadata: ["artifact": "\(name)", "error": "\(error)"])
            return StageError(.invalidData, "\(name): \(reason)")
        }
    }
}
