import Foundation
import SluiceCore

/// A failure a command reports in one or two lines, with the exit status it ends with.
struct CommandFailure: Error, CustomStringConvertible {
    let description: String
    let status: Int32

    /// The contents of the input file at `path`; a file that is missing, a folder, or
    /// unreadable is a ``ProgramExit/noInput`` failure saying which.
    static func readInput(_ path: String) throws -> Data {
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) else {
            throw CommandFailure(description: "\(path): no such file", status: ProgramExit.noInput)
        }
        guard !isFolder.boolValue else {
            throw CommandFailure(description: "\(path): is a folder; give a file", status: ProgramExit.noInput)
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw CommandFailure(description: "\(path): cannot be read (permissions?)", status: ProgramExit.noInput)
        }
        return data
    }
}
