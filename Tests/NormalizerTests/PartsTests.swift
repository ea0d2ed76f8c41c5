import Foundation
import SluiceColumns
import Testing

@testable import gpu_normalizer

/// A large job's normalized.parquet is a directory of parts that together hold every
/// record once, in order.
@Suite struct PartsTests {
    @Test func aLargeOutputIsSplitIntoPartsThatTogetherAreTheWhole() async throws {
        var random = SeededRandom(state: 5)
        let values = (0..<20_000).map { _ in random.next() * 10 }
        let categories = values.map { $0 < 5 ? "low" : "high" }
        let harness = try Harness(partRecords: 6_000)
        _ = try await harness.run(validated: validatedColumns(values, categories: categories))
        let names = try FileManager.default.contentsOfDirectory(atPath: harness.normalizedURL.path).sorted()
        #expect(names == (0..<4).map(RecordParquet.partName))
        let rows = try harness.normalized().rows
        #expect(rows.map(\.id) == (1...20_000).map(Int64.init))
        #expect(rows.map(\.value) == values)
        #expect(rows.map(\.category) == categories)
        for (z, expected) in zip(rows.map(\.z), Reference.zScores(values)) { #expect(close(z, expected, 1e-13)) }

        // A retry with one part replaces the directory's four.
        _ = try await harness.run(validated: nil, partRecords: 1 << 20)
        #expect(try FileManager.default.contentsOfDirectory(atPath: harness.normalizedURL.path) == [RecordParquet.partName(0)])
        #expect(try harness.normalized().rows.map(\.value) == values)
    }
}
