import Foundation
import SluiceCore

/// One versioned migration, `NNNN_name.sql`, read from the migrations directory.
struct MigrationFile: Sendable, Equatable {
    let version: Int
    let name: String
    let fileName: String
    let sql: String
    /// SHA-256 of the file's bytes, lowercase hex.
    let checksum: String

    /// The migrations in `directory`, in version order.
    ///
    /// Every entry not starting with `.` must be named `^\d{4}_[a-z0-9_]+\.sql$`, with a
    /// version of at least 1 that no other file has, so that a misnamed file is an
    /// error rather than a migration silently skipped.
    static func load(from directory: URL) throws -> [MigrationFile] {
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: directory.path)
        } catch {
            throw PostgresError(
                code: .invalidMigration,
                message: "cannot read the migrations directory \(directory.path): \(error.localizedDescription)"
            )
        }
        var files: [MigrationFile] = []
        for fileName in names where !fileName.hasPrefix(".") {
            let (version, name) = try parse(fileName: fileName)
            let url = directory.appendingPathComponent(fileName)
            guard let data = FileManager.default.contents(atPath: url.path) else {
                throw PostgresError(code: .invalidMigration, message: "cannot read migration \(url.path)")
            }
            guard let sql = String(data: data, encoding: .utf8) else {
                throw PostgresError(code: .invalidMigration, message: "migration \(fileName) is not UTF-8")
            }
            files.append(MigrationFile(version: version, name: name, fileName: fileName, sql: sql, checksum: SHA256.hex(data)))
        }
        files.sort { $0.version < $1.version }
        for (earlier, later) in zip(files, files.dropFirst()) where earlier.version == later.version {
            throw PostgresError(
                code: .invalidMigration,
                message: "migrations \(earlier.fileName) and \(later.fileName) share version \(earlier.version)"
            )
        }
        return files
    }

    /// Splits `NNNN_name.sql` into its version and name.
    static func parse(fileName: String) throws -> (version: Int, name: String) {
        let characters = Array(fileName.utf8)
        let isDigit = { (byte: UInt8) in (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) }
        let isNameCharacter = { (byte: UInt8) in
            isDigit(byte) || (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || byte == UInt8(ascii: "_")
        }
        guard characters.count > 9, fileName.hasSuffix(".sql"),
              characters.prefix(4).allSatisfy(isDigit), characters[4] == UInt8(ascii: "_"),
              characters[5..<(characters.count - 4)].allSatisfy(isNameCharacter),
              let version = Int(fileName.prefix(4)), version >= 1
        else {
            throw PostgresError(
                code: .invalidMigration,
                message: "migration file name '\(fileName)' must look like 0001_create_jobs.sql "
                    + "(four digits from 0001, an underscore, then a-z 0-9 _, ending in .sql)"
            )
        }
        return (version, String(fileName.dropFirst(5).dropLast(4)))
    }
}
