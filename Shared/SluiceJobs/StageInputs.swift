import Foundation
import SluiceColumns
import SluiceContracts

/// Which artifact each stage reads from the stage before it, and what a retry does when
/// that artifact was found damaged.
///
/// A stage that cannot read its input sets it aside as `<name>.damaged` (kept for a look,
/// never read again) and fails the job; a retry then starts at the stage that writes the
/// artifact, so the artifact is written anew instead of read again as it was.
public enum StageInputs {
    /// The artifact `stage` reads, written by the stage before it; nil for `validate`,
    /// which reads the job's own input.
    public static func artifact(readBy stage: Stage) -> String? {
        switch stage {
        case .validate: nil
        case .normalize: ArtifactName.validated
        case .spark: ArtifactName.normalized
        case .analyze: ArtifactName.aggregates
        }
    }
}

extension ArtifactStore {
    /// Moves the job's artifact `name` to `<name>.damaged` (replacing an older one), so
    /// that nothing reads it again and ``retryStart(failedAt:jobID:)`` goes back to the
    /// stage that writes it. Returns the new name, or nil when there was nothing to move.
    @discardableResult
    public func setAside(_ jobID: UUID, _ name: String) throws -> String? {
        let source = url(jobID, name)
        guard FileManager.default.fileExists(atPath: source.path) else { return nil }
        let damaged = url(jobID, name + ArtifactName.damagedSuffix)
        if FileManager.default.fileExists(atPath: damaged.path) { try FileManager.default.removeItem(at: damaged) }
        try FileManager.default.moveItem(at: source, to: damaged)
        return damaged.lastPathComponent
    }

    /// The stage a retry of a job that failed at `stage` starts from: `stage` itself while
    /// its input is in place, else the stage that writes that input (and so on back).
    /// Where the job's folder cannot be seen at all (the shared storage is not mounted
    /// here), nothing is known to be missing: `stage`.
    public func retryStart(failedAt stage: Stage, jobID: UUID) -> Stage {
        guard FileManager.default.fileExists(atPath: root.appendingPathComponent(jobID.uuidString.lowercased()).path) else { return stage }
        var start = stage
        while let input = StageInputs.artifact(readBy: start), !FileManager.default.fileExists(atPath: url(jobID, input).path),
              let writer = start.previous {
            start = writer
        }
        return start
    }
}
