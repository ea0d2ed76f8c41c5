import Testing
import SluiceRecords
import SluiceTestSupport

/// The seed request, as `make run` submits it.
private var seedSample: String {
    get throws { String(decoding: try ExampleData.seedSample(), as: UTF8.self) }
}

@Suite struct SeedSampleTests {
    @Test func parsesToThreeRecordsAndItsConfig() throws {
        let submission = try parse(try seedSample, format: .json)
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
        let submission = try SubmissionParser().parse(Array(try seedSample.utf8), contentType: "application/json", config: given)
        #expect(submission.config == ProcessingConfig())
    }
}
