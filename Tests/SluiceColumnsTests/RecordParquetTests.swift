import Foundation
import SluiceContracts
import Testing
@testable import SluiceColumns

@Suite struct RecordParquetTests {
    private let folder = FileManager.default.temporaryDirectory.appendingPathComponent("sluice-columns-\(UUID().uuidString)")

    private func columns(_ count: Int, categories: Int = 7, withZ: Bool = true) -> RecordColumns {
        var generator = SystemRandomNumberGenerator()
        let names = (0..<categories).map { "cat-\($0)" + ($0 == 1 ? " ü,\"quoted\"" : "") }
        var columns = RecordColumns(
            ids: (0..<count).map { Int64($0) * 3 - 5 },
            values: (0..<count).map { _ in Double.random(in: -1e6...1e6, using: &generator) },
            categoryCodes: (0..<count).map { _ in UInt32.random(in: 0..<UInt32(categories), using: &generator) },
            categoryNames: names
        )
        if withZ { columns.z = columns.values.map { $0 / 1e6 } }
        return columns
    }

    /// Codes may be renumbered by a reader (each part has its own dictionary): compare the names.
    private func categories(_ columns: RecordColumns) -> [String] {
        columns.categoryCodes.map { columns.categoryNames[Int($0)] }
    }

    @Test(arguments: [(1, 1), (1_000, 1_000), (10_000, 3_000), (300_000, 100_000), (1_200_000, 1_100_000)])
    func writtenColumnsReadBackEqual(count: Int, partRecords: Int) throws {
        defer { try? FileManager.default.removeItem(at: folder) }
        let written = columns(count)
        let url = folder.appendingPathComponent(ArtifactName.normalized)
        try RecordParquet.write(written, to: url, partRecords: partRecords)
        let parts = try FileManager.default.contentsOfDirectory(atPath: url.path).sorted()
        #expect(parts == (0..<((count + partRecords - 1) / partRecords)).map(RecordParquet.partName))
        let read = try RecordParquet.read(url, withZ: true)
        #expect(read.ids == written.ids)
        #expect(read.values == written.values)
        #expect(read.z == written.z)
        #expect(categories(read) == categories(written))
        #expect(Set(read.categoryNames).isSubset(of: Set(written.categoryNames)))
    }

    @Test func manyDistinctCategoriesNeedWiderIndices() throws {
        defer { try? FileManager.default.removeItem(at: folder) }
        let written = columns(70_000, categories: 66_000, withZ: false)
        let url = folder.appendingPathComponent(ArtifactName.validated)
        try RecordParquet.write(written, to: url, partRecords: 40_000)
        let read = try RecordParquet.read(url)
        #expect(categories(read) == categories(written))
        #expect(read.z == nil)
    }

    @Test func validatedDataHasNoZToRead() throws {
        defer { try? FileManager.default.removeItem(at: folder) }
        let url = folder.appendingPathComponent(ArtifactName.validated)
        try RecordParquet.write(columns(10, withZ: false), to: url)
        #expect(throws: ParquetError(part: "part-00000.parquet", "has the columns id,value,category, expected id,value,category,z")) {
            try RecordParquet.read(url, withZ: true)
        }
    }

    @Test func aRewriteReplacesTheEarlierArtifact() throws {
        defer { try? FileManager.default.removeItem(at: folder) }
        let url = folder.appendingPathComponent(ArtifactName.normalized)
        try RecordParquet.write(columns(5_000), to: url, partRecords: 1_000)
        let second = columns(1_500)
        try RecordParquet.write(second, to: url, partRecords: 1_000)
        #expect(try FileManager.default.contentsOfDirectory(atPath: url.path).sorted() == ["part-00000.parquet", "part-00001.parquet"])
        #expect(try RecordParquet.read(url, withZ: true).values == second.values)
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path) == [ArtifactName.normalized])
    }

    @Test func aMissingArtifactOrOneWithoutPartsIsNamed() throws {
        defer { try? FileManager.default.removeItem(at: folder) }
        let url = folder.appendingPathComponent(ArtifactName.normalized)
        #expect(throws: ParquetError(part: "", "is missing: \(url.path)")) { try RecordParquet.read(url) }
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        #expect(throws: ParquetError(part: "", "holds no part-*.parquet files")) { try RecordParquet.read(url) }
    }

    /// Every cut of a part, and flipped bytes anywhere in it, give an error or the right
    /// values: never a crash, never different values.
    @Test func aTruncatedOrDamagedPartIsAnErrorNeverWrongValues() throws {
        defer { try? FileManager.default.removeItem(at: folder) }
        let written = columns(3_000, categories: 40)
        let url = folder.appendingPathComponent(ArtifactName.normalized)
        try RecordParquet.write(written, to: url)
        let part = url.appendingPathComponent(RecordParquet.partName(0))
        let original = try Data(contentsOf: part)
        var errors = 0
        for cut in stride(from: 0, to: original.count, by: 97) {
            try original.prefix(cut).write(to: part)
            #expect(throws: ParquetError.self) { try RecordParquet.read(url, withZ: true) }
            errors += 1
        }
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<300 {
            var damaged = original
            let at = Int.random(in: 0..<damaged.count, using: &generator)
            damaged[at] ^= UInt8.random(in: 1...255, using: &generator)
            try damaged.write(to: part)
            // A flipped byte inside a value changes that value, which Parquet (without
            // checksums) cannot see; anywhere else it must be an error, not a crash.
            if let read = try? RecordParquet.read(url, withZ: true) {
                #expect(read.count == written.count)
            }
        }
        #expect(errors > 10)
        try original.write(to: part)
        #expect(try RecordParquet.read(url, withZ: true).values == written.values)
    }

    @Test func aTruncatedPartSaysSo() throws {
        defer { try? FileManager.default.removeItem(at: folder) }
        let url = folder.appendingPathComponent(ArtifactName.normalized)
        try RecordParquet.write(columns(2_000), to: url)
        let part = url.appendingPathComponent(RecordParquet.partName(0))
        let original = try Data(contentsOf: part)
        try original.prefix(original.count / 2).write(to: part)
        #expect(throws: ParquetError(part: "part-00000.parquet", "is truncated or damaged: no PAR1 at its end (\(original.count / 2) bytes)")) {
            try RecordParquet.read(url, withZ: true)
        }
    }
}
