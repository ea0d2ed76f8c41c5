import Foundation
import SluiceRecords
import SluiceWorker
import Testing

@testable import gpu_normalizer

/// The artifacts read and written a chunk at a time give what one chunk gives.
@Suite struct StreamingTests {
    static let validated =
        "\u{FEFF}id,value,category\r\n1,1.5,\"a,b\"\r\n\r\n2,2.0,\"say \"\"hi\"\"\"\r\n3,3.25,\"two\nlines\"\r\n4,-4.0,plain\n5,1e9,plain\n"

    @Test(arguments: [1, 7, 64])
    func tinyChunksGiveTheSameArtifact(chunkBytes: Int) async throws {
        let whole = try Harness()
        let wholeResult = try await whole.run(validated: Self.validated, config: #"{"normalization": "zscore_per_category"}"#)
        let chunked = try Harness(chunkBytes: chunkBytes)
        let chunkedResult = try await chunked.run(validated: Self.validated, config: #"{"normalization": "zscore_per_category"}"#)
        #expect(try chunked.normalizedText() == whole.normalizedText())
        #expect(try chunked.normalized().rows.map(\.category) == ["a,b", "say \"hi\"", "two\nlines", "plain", "plain"])
        #expect(chunkedResult.metric("categories") == 4 && wholeResult.metric("categories") == 4)
        #expect(chunkedResult.metric("std") == wholeResult.metric("std"))
    }

    @Test(arguments: [3, 50])
    func errorsNameTheRightLineAcrossChunks(chunkBytes: Int) async throws {
        let harness = try Harness(chunkBytes: chunkBytes)
        let error = await #expect(throws: StageError.self) {
            try await harness.run(validated: "id,value,category\n1,1.0,A\n2,2.0,\"B\nC\"\n3,x,D\n")
        }
        #expect(error?.message == "validated.csv line 5: value \"x\" is not a finite number")
    }

    /// A large output is a directory of parts, each with the header, that together hold
    /// the one-file output's rows in order; a retry's output replaces the earlier one.
    @Test func aLargeOutputIsSplitIntoPartsThatTogetherAreTheWholeFile() async throws {
        var random = SeededRandom(state: 5)
        let validated = validatedCSV((0..<2_000).map { _ in random.next() * 10 })
        let whole = try Harness()
        _ = try await whole.run(validated: validated)
        let wholeRows = try whole.normalizedText().split(separator: "\n").dropFirst()

        let split = try Harness(chunkBytes: 512, partBytes: 8_192)
        _ = try await split.run(validated: validated)
        let folder = split.artifacts.url(split.jobID, "normalized.csv")
        let names = try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted()
        #expect(names.count >= 4, "\(names)")
        #expect(names == names.indices.map { NormalizedCSV.partName($0) })
        var rows: [Substring] = []
        for name in names {
            let part = try String(contentsOf: folder.appendingPathComponent(name), encoding: .utf8)
            let lines = part.split(separator: "\n")
            #expect(lines.first == "id,value,category,z")
            #expect(part.utf8.count < 8_192 + 64, "a part ends at the first row past the size")
            rows += lines.dropFirst()
        }
        #expect(rows == Array(wholeRows))

        // A retry that writes one file replaces the directory, and the other way round.
        _ = try await split.run(validated: nil, partBytes: 1 << 30)
        #expect(try split.normalizedText().split(separator: "\n").dropFirst() == wholeRows)
        _ = try await split.run(validated: nil)
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path).count == names.count)
    }

    /// Many records through small chunks: every row arrives once, in order.
    @Test func manyRecordsThroughSmallChunks() async throws {
        var random = SeededRandom(state: 17)
        let values = (0..<20_000).map { _ in random.next() * 100 }
        let harness = try Harness(chunkBytes: 4096)
        _ = try await harness.run(validated: validatedCSV(values))
        let rows = try harness.normalized().rows
        #expect(rows.map(\.id) == (1...20_000).map(Int64.init))
        #expect(rows.map(\.value) == values)
        for (z, expected) in zip(rows.map(\.z), Reference.zScores(values)) { #expect(close(z, expected, 1e-13)) }
    }
}
