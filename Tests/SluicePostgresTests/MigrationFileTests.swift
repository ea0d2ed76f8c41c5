import Foundation
import SluiceCore
import Testing
@testable import SluicePostgres

@Suite("Migration files (no server)")
struct MigrationFileTests {
    @Test func wellFormedNamesParse() throws {
        #expect(try MigrationFile.parse(fileName: "0001_job_history.sql") == (1, "job_history"))
        #expect(try MigrationFile.parse(fileName: "0420_add_index_2.sql") == (420, "add_index_2"))
    }

    @Test(arguments: [
        "1_jobs.sql", "0001-jobs.sql", "0001_Jobs.sql", "0001_.sql", "0000_jobs.sql",
        "0001_jobs.SQL", "0001_jobs.sql.bak", "00001_jobs.sql", "0001_jo bs.sql", "README.md",
    ])
    func malformedNamesAreRefused(name: String) {
        #expect {
            try MigrationFile.parse(fileName: name)
        } throws: { error in
            let error = error as? PostgresError
            return error?.code == .invalidMigration && error?.message.contains(name) == true
        }
    }

    @Test func loadSortsByVersionAndChecksumsTheBytes() throws {
        let directory = try makeDirectory([
            "0010_c.sql": "SELECT 10;",
            "0002_b.sql": "SELECT 2;",
            "0001_a.sql": "SELECT 1;",
            ".gitkeep": "",
        ])
        defer { try? FileManager.default.removeItem(at: directory) }
        let files = try MigrationFile.load(from: directory)
        #expect(files.map(\.version) == [1, 2, 10])
        #expect(files.map(\.name) == ["a", "b", "c"])
        #expect(files[0].sql == "SELECT 1;")
        #expect(files[0].checksum == SHA256.hex(Array("SELECT 1;".utf8)))
    }

    @Test func duplicateVersionsAndStrayFilesAreRefused() throws {
        let duplicate = try makeDirectory(["0001_a.sql": "", "0001_b.sql": ""])
        let stray = try makeDirectory(["0001_a.sql": "", "notes.txt": ""])
        defer {
            try? FileManager.default.removeItem(at: duplicate)
            try? FileManager.default.removeItem(at: stray)
        }
        #expect(throws: PostgresError.self) { try MigrationFile.load(from: duplicate) }
        #expect {
            try MigrationFile.load(from: stray)
        } throws: { error in
            (error as? PostgresError)?.message.contains("notes.txt") == true
        }
        #expect(throws: PostgresError.self) {
            try MigrationFile.load(from: duplicate.appendingPathComponent("missing"))
        }
    }

    @Test func defaultDirectoryComesFromTheEnvironment() {
        #expect(Migrator.defaultDirectory(environment: ["SLUICE_MIGRATIONS_DIR": "/srv/migrations"]).path == "/srv/migrations")
        #expect(Migrator.defaultDirectory(environment: [:]).path.hasSuffix("/infra/migrations"))
    }
}

/// A temporary directory holding `files` (name → contents).
func makeDirectory(_ files: [String: String]) throws -> URL {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("sluice-migrations-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    for (name, contents) in files {
        try Data(contents.utf8).write(to: directory.appendingPathComponent(name))
    }
    return directory
}
