import Foundation
import SluiceContracts
import SluiceRecords

/// A job's raw input as the gateway or the submit intake stored it: `input.json`,
/// `input.ndjson` or `input.csv` in the job's artifact folder. A JSON input may name its
/// records' file instead (`{"input_uri": "…"}`), a path relative to the input folder of
/// the job's owner (``ArtifactStore/inputFolder(of:)``) for data already on shared
/// storage; ``locate(_:in:owner:limits:)`` finds that file.
public enum InputArtifact {
    /// The artifact name for an input in `format`.
    public static func name(_ format: SubmissionFormat) -> String { ArtifactName.input(format.rawValue) }

    /// The formats an input is stored in.
    static let storedFormats = [SubmissionFormat.json, .ndjson, .csv]

    /// The job's stored input and its format.
    public static func read(_ jobID: UUID, from artifacts: ArtifactStore) throws -> (SubmissionFormat, Data) {
        for format in storedFormats {
            if let data = try? artifacts.read(jobID, name(format)) { return (format, data) }
        }
        throw MissingInput(jobID: jobID, root: artifacts.root)
    }

    /// The job's stored input file and its format, without reading it; nil when none is stored.
    public static func stored(_ jobID: UUID, in artifacts: ArtifactStore) -> (format: SubmissionFormat, file: URL)? {
        storedFormats.lazy.map { ($0, artifacts.url(jobID, name($0))) }.first { FileManager.default.fileExists(atPath: $0.1.path) }
    }

    /// Whether the job's input is stored.
    public static func exists(_ jobID: UUID, in artifacts: ArtifactStore) -> Bool {
        stored(jobID, in: artifacts) != nil
    }

    /// The file an `input_uri` names and its format (from its extension: `.json`,
    /// `.ndjson`/`.jsonl` or `.csv`), without reading it: what the gateway checks before it
    /// takes such a job, leaving the content to the validator, which reads it.
    ///
    /// The path is relative to `owner`'s input folder: another owner's files and the
    /// jobs' own artifacts are out of reach, as if they did not exist.
    ///
    /// Throws `invalid_input_uri` when the file is missing, outside the owner's input
    /// folder (through a symbolic link) or of an unknown format; `too_large` past the body limit.
    public static func locate(
        _ uri: String, in artifacts: ArtifactStore, owner: String, limits: SubmissionLimits
    ) throws(SubmissionError) -> (URL, SubmissionFormat) {
        let format: SubmissionFormat
        switch (uri as NSString).pathExtension.lowercased() {
        case "json": format = .json
        case "ndjson", "jsonl": format = .ndjson
        case "csv": format = .csv
        default: throw refusal(uri, "the file's extension must say its format: .json, .ndjson, .jsonl or .csv")
        }
        let folder = artifacts.inputFolder(of: owner)
        let place = "the input folder of owner '\(owner)' (inputs/\(owner)/ in the artifact folder)"
        let root = folder.standardizedFileURL.resolvingSymlinksInPath().path + "/"
        let file = folder.appendingPathComponent(uri).standardizedFileURL.resolvingSymlinksInPath()
        guard file.path.hasPrefix(root) else { throw refusal(uri, "it leads outside \(place)") }
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: file.path),
              attributes[.type] as? FileAttributeType == .typeRegular
        else { throw refusal(uri, "there is no such file in \(place)") }
        if let size = attributes[.size] as? Int, size > limits.maxBodyBytes {
            throw SubmissionError(code: .tooLarge, message: "input_uri \"\(uri)\" is \(size) bytes; the limit is \(limits.maxBodyBytes)")
        }
        return (file, format)
    }

    /// An `invalid_input_uri` refusal of `uri`, saying why.
    static func refusal(_ uri: String, _ why: String) -> SubmissionError {
        SubmissionError(code: .invalidInputURI, message: "input_uri \"\(uri)\": \(why)", details: [
            ErrorDetail(field: "input_uri", reason: "unreadable_file", message: why),
        ])
    }

    /// No input is stored for a job.
    public struct MissingInput: Error, CustomStringConvertible {
        public let jobID: UUID
        public let root: URL
        public var description: String {
            "no input artifact for job \(jobID.uuidString.lowercased()) (input.json, input.ndjson or input.csv) under \(root.path)"
        }
    }
}
