import Foundation
import Testing
import SluiceRecords

@Suite struct ProcessingConfigTests {
    @Test func defaults() {
        let config = ProcessingConfig()
        #expect(config.gpuEnabled && config.comparePipelines && config.storeResults)
        #expect(config.onInvalid == .fail)
        #expect(config.normalization == .zScore)
    }

    @Test func everyKeyIsRead() throws {
        let json = #"{"gpu_enabled": false, "compare_pipelines": false, "store_results": false, "on_invalid": "drop", "normalization": "zscore_per_category"}"#
        let config = try ProcessingConfig(json: Array(json.utf8))
        #expect(config == ProcessingConfig(gpuEnabled: false, comparePipelines: false, storeResults: false, onInvalid: .drop, normalization: .zScorePerCategory))
    }

    @Test func aJSONBodyWithoutConfigTakesTheGivenOne() throws {
        let given = ProcessingConfig(normalization: .minMax)
        let body = #"{"data": [{"id": 1, "value": 1, "category": "A"}]}"#
        #expect(try SubmissionParser().parse(Array(body.utf8), format: .json, config: given).config == given)
    }

    @Test func encodingWritesEveryKeyAndReadsBack() throws {
        let config = ProcessingConfig(gpuEnabled: false, onInvalid: .drop, normalization: .minMax)
        let data = try JSONEncoder().encode(config)
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(Set(object.keys) == ["gpu_enabled", "compare_pipelines", "store_results", "on_invalid", "normalization"])
        #expect(object["normalization"] as? String == "minmax")
        #expect(try ProcessingConfig(json: data) == config)
    }

    @Test func parametersReadTheSameKeys() throws {
        let config = try ProcessingConfig(parameters: ["gpu_enabled": "false", "on_invalid": "drop", "normalization": "minmax"])
        #expect(config == ProcessingConfig(gpuEnabled: false, onInvalid: .drop, normalization: .minMax))
    }

    @Test(arguments: [
        (["gpu_enabled": "yes"], "gpu_enabled", "wrong_type"),
        (["on_invalid": "true"], "on_invalid", "wrong_type"),
        (["on_invalid": "skip"], "on_invalid", "unknown_value"),
        (["store_results": "true", "zebra": "1", "bogus": "1"], "bogus", "unknown_key"),
    ])
    func badParametersNameTheKey(parameters: [String: String], key: String, reason: String) {
        #expect {
            try ProcessingConfig(parameters: parameters)
        } throws: { error in
            let error = error as? SubmissionError
            return error?.code == .invalidConfig && error?.details.first?.field == key && error?.details.first?.reason == reason
        }
    }

    @Test func aRepeatedKeyIsRefused() {
        #expect {
            try ProcessingConfig(json: Array(#"{"gpu_enabled": true, "gpu_enabled": false}"#.utf8))
        } throws: { error in
            (error as? SubmissionError)?.details.first == ErrorDetail(
                field: "gpu_enabled",
                reason: "duplicate_key",
                message: "gpu_enabled appears more than once",
                location: SourceLocation(line: 1, column: 23)
            )
        }
    }

    @Test func jsonThatIsNotAnObjectIsRefused() {
        #expect(throws: SubmissionError.self) { try ProcessingConfig(json: Array("[]".utf8)) }
        #expect {
            try ProcessingConfig(json: Array("{".utf8))
        } throws: { error in
            (error as? SubmissionError)?.code == .malformedJSON
        }
    }
}
