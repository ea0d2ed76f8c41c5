import Foundation
import SluiceColumns
import SluiceContracts
import SluiceJobs
import SluiceWorker
import Testing

@testable import gpu_normalizer

/// The normalize stage's handler against a float64 reference, with no server.
@Suite struct NormalizerStageTests {
    static let seedValues = [10.5, 20.3, 15.7]
    static let seedCategories = ["A", "B", "A"]
    static let seed = validatedColumns(seedValues, categories: seedCategories)

    @Test func theSeedSampleIsZScoredByDefault() async throws {
        let harness = try Harness()
        let result = try await harness.run(validated: Self.seed)
        let output = try harness.normalized()
        #expect(output.rows.map(\.id) == [1, 2, 3])
        #expect(output.rows.map(\.value) == Self.seedValues)
        #expect(output.rows.map(\.category) == Self.seedCategories)
        for (z, expected) in zip(output.rows.map(\.z), Reference.zScores(Self.seedValues)) {
            #expect(close(z, expected, 1e-14))
        }
        let (mean, std) = Reference.meanAndStd(Self.seedValues)
        #expect(close(try #require(result.metric("mean")), mean, 1e-15))
        #expect(close(try #require(result.metric("std")), std, 1e-14))
        #expect(result.metric("min") == 10.5 && result.metric("max") == 20.3)
        #expect(result.metric("constant_values") == 0)
        #expect(try #require(result.metric("normalize_seconds")) >= 0)
        #expect(try #require(result.metric("read_seconds")) >= 0 && #require(result.metric("write_seconds")) >= 0)
        #expect(try #require(result.metric("records_per_second")) > 0)
        #expect(result.outcome.recordsIn == 3 && result.outcome.recordsOut == 3 && result.outcome.device == "cpu (no GPU: not opened)")
        #expect(result.outcome.metrics.first { $0.name == "mean" }?.unit == "value")
        #expect(result.outcome.metrics.first { $0.name == "normalize_seconds" }?.unit == "seconds")
        #expect(result.metric("gpu_fallback") == 0)
    }

    @Test func theSeedSampleMinMax() async throws {
        let harness = try Harness()
        let result = try await harness.run(validated: Self.seed, config: #"{"normalization": "minmax"}"#)
        let z = try harness.normalized().rows.map(\.z)
        #expect(z[0] == 0 && z[1] == 1)
        #expect(close(z[2], Reference.minMax(Self.seedValues)[2], 1e-15))
        #expect(result.metric("constant_values") == 0)
    }

    @Test func theSeedSamplePerCategory() async throws {
        let harness = try Harness()
        let result = try await harness.run(validated: Self.seed, config: #"{"normalization": "zscore_per_category"}"#)
        let z = try harness.normalized().rows.map(\.z)
        // A: 10.5 and 15.7 are one deviation either side of their mean; B has one record.
        #expect(close(z[0], -1, 1e-15) && z[1] == 0 && close(z[2], 1, 1e-15))
        #expect(result.metric("categories") == 2 && result.metric("constant_categories") == 1)
    }

    @Test(arguments: ["zscore", "minmax", "zscore_per_category"])
    func oneRecordIsConstant(method: String) async throws {
        let harness = try Harness()
        let result = try await harness.run(
            validated: RecordColumns(ids: [42], values: [-3.25], categoryCodes: [0], categoryNames: ["X"]), config: #"{"normalization": "\#(method)"}"#
        )
        #expect(try harness.normalized().rows.map { "\($0.id),\($0.value),\($0.category),\($0.z)" } == ["42,-3.25,X,0.0"])
        #expect(result.metric("constant_values") == 1 && result.metric("std") == 0 && result.metric("mean") == -3.25)
    }

    @Test(arguments: ["zscore", "minmax", "zscore_per_category"])
    func constantValuesGiveZeroes(method: String) async throws {
        let harness = try Harness()
        let values = [Double](repeating: 1e9 + 0.1, count: 1000)
        let result = try await harness.run(validated: validatedColumns(values), config: #"{"normalization": "\#(method)"}"#)
        #expect(try harness.normalized().rows.allSatisfy { $0.z == 0 && $0.value == 1e9 + 0.1 })
        #expect(result.metric("constant_values") == 1)
        #expect(result.metric("std") == 0 && result.metric("mean") == 1e9 + 0.1)
    }

    /// Values near 1e9 with a spread of 1: the reference works on the offsets from 1e9,
    /// which are exact (Sterbenz), so it is not itself hurt by the offset.
    @Test func hugeOffsetsKeepTheirPrecision() async throws {
        var random = SeededRandom(state: 7)
        let values = (0..<10_001).map { _ in 1e9 + random.next() }
        let categories = values.indices.map { $0 % 3 == 0 ? "even" : "odd" }
        let offsets = values.map { $0 - 1e9 }

        let harness = try Harness()
        let result = try await harness.run(validated: validatedColumns(values, categories: categories))
        for (z, expected) in zip(try harness.normalized().rows.map(\.z), Reference.zScores(offsets)) {
            #expect(close(z, expected, 1e-9))
        }
        let (mean, std) = Reference.meanAndStd(offsets)
        #expect(close(try #require(result.metric("mean")), 1e9 + mean, 1e-15))
        #expect(abs(try #require(result.metric("std")) - std) <= 1e-9 * std)

        _ = try await harness.run(validated: nil, config: #"{"normalization": "minmax"}"#)
        for (z, expected) in zip(try harness.normalized().rows.map(\.z), Reference.minMax(offsets)) {
            #expect(close(z, expected, 1e-9))
        }

        _ = try await harness.run(validated: nil, config: #"{"normalization": "zscore_per_category"}"#)
        for (z, expected) in zip(try harness.normalized().rows.map(\.z), Reference.zScoresPerCategory(offsets, categories)) {
            #expect(close(z, expected, 1e-9))
        }
    }

    /// Values near 1e-300, whose squares underflow to 0: a naive variance would call
    /// them constant. The reference scales them by 2^996 (exact) first.
    @Test func tinyMagnitudesAreNotMistakenForConstants() async throws {
        var random = SeededRandom(state: 11)
        let values = (0..<1000).map { _ in (random.next() - 0.3) * 1e-300 }
        let scaled = values.map { $0 * 0x1p996 }

        let harness = try Harness()
        let result = try await harness.run(validated: validatedColumns(values))
        #expect(try harness.normalized().rows.map(\.value) == values)
        for (z, expected) in zip(try harness.normalized().rows.map(\.z), Reference.zScores(scaled)) {
            #expect(close(z, expected, 1e-12))
        }
        let (mean, std) = Reference.meanAndStd(scaled)
        #expect(result.metric("constant_values") == 0)
        #expect(abs(try #require(result.metric("std")) - std * 0x1p-996) <= 1e-12 * std * 0x1p-996)
        #expect(abs(try #require(result.metric("mean")) - mean * 0x1p-996) <= 1e-12 * std * 0x1p-996)

        _ = try await harness.run(validated: nil, config: #"{"normalization": "minmax"}"#)
        for (z, expected) in zip(try harness.normalized().rows.map(\.z), Reference.minMax(scaled)) {
            #expect(close(z, expected, 1e-12))
        }
    }

    /// The whole double range at once: neither the range nor the squares may overflow.
    @Test func extremeMagnitudesDoNotOverflow() async throws {
        let harness = try Harness()
        let result = try await harness.run(validated: validatedColumns([-1.7e308, 1.7e308]))
        #expect(try harness.normalized().rows.map(\.z) == [-1, 1])
        #expect(result.metric("mean") == 0 && result.metric("std") == 1.7e308)

        _ = try await harness.run(validated: nil, config: #"{"normalization": "minmax"}"#)
        #expect(try harness.normalized().rows.map(\.z) == [0, 1])
    }

    @Test func categoriesWithCommasQuotesAndLineBreaksRoundTrip() async throws {
        let categories = ["a,b", "say \"hi\"", "two\nlines", "plain", "ümlaut"]
        let harness = try Harness()
        let result = try await harness.run(
            validated: validatedColumns([1, 2, 3, 4, 5], categories: categories), config: #"{"normalization": "zscore_per_category"}"#
        )
        #expect(result.metric("categories") == 5 && result.metric("constant_categories") == 5)
        let rows = try harness.normalized().rows
        #expect(rows.map(\.category) == categories)
        #expect(rows.map(\.z) == [0, 0, 0, 0, 0])
    }

    @Test func aMissingArtifactIsInvalidData() async throws {
        let harness = try Harness()
        let error = await #expect(throws: StageError.self) { try await harness.run(validated: nil) }
        #expect(error?.cause == .invalidData)
        #expect(error?.message == "validated.parquet: is missing: \(harness.validatedURL.path); a retry runs validate again to write it")
    }

    @Test func anEmptyArtifactIsInvalidData() async throws {
        let harness = try Harness()
        let error = await #expect(throws: StageError.self) { try await harness.run(validated: validatedColumns([])) }
        #expect(error?.cause == .invalidData)
        #expect(error?.message == "validated.parquet holds no records")
    }

    /// A truncated or damaged part fails the job with the part and the cause, and
    /// nothing is written; the validator's retry rewrites it, and the next run succeeds.
    @Test func aDamagedPartIsInvalidDataNamingThePart() async throws {
        let harness = try Harness()
        var random = SeededRandom(state: 3)
        let values = (0..<5_000).map { _ in random.next() }
        try RecordParquet.write(validatedColumns(values), to: harness.validatedURL, partRecords: 2_000)
        let part = harness.validatedURL.appendingPathComponent(RecordParquet.partName(1))
        let bytes = try Data(contentsOf: part)
        try bytes.prefix(bytes.count - 100).write(to: part)
        let error = await #expect(throws: StageError.self) { try await harness.run(validated: nil) }
        #expect(error?.cause == .invalidData)
        #expect(error?.message == """
            validated.parquet: part-00001.parquet: is truncated or damaged: no PAR1 at its end (\(bytes.count - 100) bytes); \
            set aside as validated.parquet.damaged, and a retry runs validate again to write it anew
            """)
        #expect(!FileManager.default.fileExists(atPath: harness.normalizedURL.path))
        #expect(!FileManager.default.fileExists(atPath: harness.validatedURL.path))
        #expect(FileManager.default.fileExists(atPath: harness.validatedURL.path + ArtifactName.damagedSuffix))

        _ = try await harness.run(validated: validatedColumns(values))
        #expect(try harness.normalized().rows.map(\.value) == values)
    }

    @Test func anUnreadableConfigIsInvalidData() async throws {
        let harness = try Harness()
        let error = await #expect(throws: StageError.self) {
            try await harness.run(validated: Self.seed, config: #"{"normalization": "median"}"#)
        }
        #expect(error?.cause == .invalidData)
        #expect(error?.message.contains("processing_config") == true)
    }
}
