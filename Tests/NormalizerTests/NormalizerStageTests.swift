import Foundation
import SluiceWorker
import Testing

@testable import gpu_normalizer

/// The normalize stage's handler against a float64 reference, with no server.
@Suite struct NormalizerStageTests {
    static let seed = "id,value,category\n1,10.5,A\n2,20.3,B\n3,15.7,A\n"
    static let seedValues = [10.5, 20.3, 15.7]
    static let seedCategories = ["A", "B", "A"]

    @Test func theSeedSampleIsZScoredByDefault() async throws {
        let harness = try Harness()
        let result = try await harness.run(validated: Self.seed)
        let output = try harness.normalized()
        #expect(output.header == ["id", "value", "category", "z"])
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
        let result = try await harness.run(validated: "id,value,category\n42,-3.25,X\n", config: #"{"normalization": "\#(method)"}"#)
        #expect(try harness.normalizedText() == "id,value,category,z\n42,-3.25,X,0.0\n")
        #expect(result.metric("constant_values") == 1 && result.metric("std") == 0 && result.metric("mean") == -3.25)
    }

    @Test(arguments: ["zscore", "minmax", "zscore_per_category"])
    func constantValuesGiveZeroes(method: String) async throws {
        let harness = try Harness()
        let values = [Double](repeating: 1e9 + 0.1, count: 1000)
        let result = try await harness.run(validated: validatedCSV(values), config: #"{"normalization": "\#(method)"}"#)
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
        let result = try await harness.run(validated: validatedCSV(values, categories: categories))
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
        let result = try await harness.run(validated: validatedCSV(values))
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
        let result = try await harness.run(validated: validatedCSV([-1.7e308, 1.7e308]))
        #expect(try harness.normalized().rows.map(\.z) == [-1, 1])
        #expect(result.metric("mean") == 0 && result.metric("std") == 1.7e308)

        _ = try await harness.run(validated: nil, config: #"{"normalization": "minmax"}"#)
        #expect(try harness.normalized().rows.map(\.z) == [0, 1])
    }

    @Test func categoriesWithCommasQuotesAndLineBreaksRoundTrip() async throws {
        // Quoting as the validator writes it, with CRLF line ends and an LF inside a quoted field.
        let validated = "id,value,category\r\n1,1.0,\"a,b\"\r\n2,2.0,\"say \"\"hi\"\"\"\r\n3,3.0,\"two\nlines\"\r\n4,4.0,plain\r\n"
        let harness = try Harness()
        let result = try await harness.run(validated: validated, config: #"{"normalization": "zscore_per_category"}"#)
        #expect(try harness.normalizedText() == "id,value,category,z\n1,1.0,\"a,b\",0.0\n2,2.0,\"say \"\"hi\"\"\",0.0\n3,3.0,\"two\nlines\",0.0\n4,4.0,plain,0.0\n")
        #expect(result.metric("categories") == 4 && result.metric("constant_categories") == 4)
        #expect(try harness.normalized().rows.map(\.category) == ["a,b", "say \"hi\"", "two\nlines", "plain"])
    }

    @Test func aMissingArtifactIsInvalidData() async throws {
        let harness = try Harness()
        let error = await #expect(throws: StageError.self) { try await harness.run(validated: nil) }
        #expect(error?.cause == .invalidData)
        #expect(error?.message.contains("validated.csv is missing") == true)
    }

    @Test(arguments: [
        ("", "validated.csv line 1: the file is empty; expected the header id,value,category"),
        ("id,value\n1,2.0\n", "validated.csv line 1: expected the header id,value,category, found \"id,value\""),
        ("id,value,category\n", "validated.csv line 1: the file has a header but no records"),
        ("id,value,category\n1,1.0,A\n2,abc,B\n", "validated.csv line 3: value \"abc\" is not a finite number"),
        ("id,value,category\n1,1.0,A\n2,nan,B\n", "validated.csv line 3: value \"nan\" is not a finite number"),
        ("id,value,category\n1,1.0,A\nx,2.0,B\n", "validated.csv line 3: id \"x\" is not a whole number"),
        ("id,value,category\n1,1.0,A\n\n2,2.0\n", "validated.csv line 4: expected 3 fields (id,value,category), found 2"),
        ("id,value,category\n1,1.0,\"A\n", "validated.csv line 2: a quoted field is never closed"),
    ])
    func malformedArtifactsAreInvalidData(input: String, message: String) async throws {
        let harness = try Harness()
        let error = await #expect(throws: StageError.self) { try await harness.run(validated: input) }
        #expect(error?.cause == .invalidData)
        #expect(error?.message == message)
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
