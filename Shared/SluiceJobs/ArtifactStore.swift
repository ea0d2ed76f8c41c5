import Foundation

/// Job data on shared storage, found by job id: `<root>/<job id>/<name>`; and the
/// owners' input folders, `<root>/inputs/<owner>/`, where `input_uri` files are put.
///
/// Writes go to a temporary file that is renamed into place, so a reader never sees
/// half an artifact and a stage that runs twice simply replaces it.
public struct ArtifactStore: Sendable {
    /// The folder that holds one folder per job (`SLUICE_ARTIFACT_DIR`, default `.sluice/artifacts`).
    public let root: URL

    /// Creates a store rooted at `root` (created when missing).
    public init(root: URL) throws {
        self.root = root
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
    }

    /// Reads `SLUICE_ARTIFACT_DIR` (default `.sluice/artifacts`, relative to the working directory).
    public init(environment: [String: String] = ProcessInfo.processInfo.environment) throws {
        try self.init(root: URL(fileURLWithPath: environment["SLUICE_ARTIFACT_DIR"] ?? ".sluice/artifacts"))
    }

    /// Where the job's artifact `name` lives.
    public func url(_ jobID: UUID, _ name: String) -> URL {
        root.appendingPathComponent(jobID.uuidString.lowercased()).appendingPathComponent(name)
    }

    /// The folder in which the `input_uri` of `owner`'s jobs are looked up (``JobOwner``).
    public func inputFolder(of owner: String) -> URL {
        root.appendingPathComponent("inputs").appendingPathComponent(owner)
    }

    /// Writes the artifact atomically.
    public func write(_ data: Data, _ jobID: UUID, _ name: String) throws {
        let target = url(jobID, name)
        try FileManager.default.createDirectory(at: target.deletingLastPathComponent(), withIntermediateDirectories: true)
        try data.write(to: target, options: .atomic)
    }

    /// Reads the artifact.
    public func read(_ jobID: UUID, _ name: String) throws -> Data {
        try Data(contentsOf: url(jobID, name))
    }
}

extension ArtifactStore {
    /// Removes every artifact of the job (nothing when it has none).
    public func removeAll(_ jobID: UUID) throws {
        let folder = root.appendingPathComponent(jobID.uuidString.lowercased())
        guard FileManager.default.fileExists(atPath: folder.path) else { return }
        try FileManager.default.removeItem(at: folder)
    }
}
