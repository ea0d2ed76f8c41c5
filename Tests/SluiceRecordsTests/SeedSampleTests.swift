import Testing
import SluiceRecords

/// The seed request, as in shared/data/seed-sample.json (copied here: tests do not read
/// files outside the package).
private let seedSample = """
{
  "data": [
    {"id": 1, "value": 10.5, "category": "A"},
    {"id": 2, "value": 20.3, "category": "B"},
    {"id": 3, "value": 15.7, "category": "A"}
  ],
  "processing_config": {
    "gpu_enabled": true,
    "compare_pipelines": true,
    "store_results": true
  }
}

"""

@Suite struct SeedSampleTests {
    @Test func parsesToThreeRecordsAndItsConfig() throws {
        let submission = try parse(seedSample, format: .json)
        #expect(submission.records.count == 3)
        #expect(submission.inputURI == nil)
        #expect(submission.config == ProcessingConfig(gpuEnabled: true, comparePipelines: true, storeResults: true))
        #expect(submission.records[1].location == SourceLocation(line: 4, column: 5))

        let outcome = RecordValidator().validate(submission.records).outcome(onInvalid: submission.config.onInvalid)
        #expect(outcome == .accepted([
            Record(id: 1, value: 10.5, category: "A"),
            Record(id: 2, value: 20.3, category: "B"),
            Record(id: 3, value: 15.7, category: "A"),
        ]))
    }

    @Test func theBodyConfigOverridesTheGivenOne() throws {
        let given = ProcessingConfig(gpuEnabled: false, onInvalid: .drop)
        let submission = try SubmissionParser().parse(Array(seedSample.utf8), contentType: "application/json", config: given)
        #expect(submission.config == ProcessingConfig())
    }
}
