import Foundation
import Logging
import SluiceColumns
import SluiceContracts
import SluiceJobs
import SluicePostgres
import SluiceRecords
import SluiceWorker
import Testing
@testable import validator

/// The validate stage's logic on artifacts in a temporary folder.
@Suite struct ValidatorStageTests {
    let artifacts: ArtifactStore
    let jobID = UUID()

    init() throws {
        artifacts = try ArtifactStore(root: FileManager.default.temporaryDirectory.appendingPathComponent("sluice-validator-\(UUID())"))
    }

    func run(_ input: String, as name: String = "input.json", config: String = "{}") async throws -> StageResult {
        try artifacts.write(Data(input.utf8), jobID, name)
        let message = StageMessage(jobID: jobID, stage: .validate, traceID: "t", submittedAt: Date())
        return try await ValidatorStage().run(StageJob(
            message: message, config: .init(rawJSON: config), artifacts: artifacts, logger: Logger(label: "test")
        ))
    }

    /// The job's validated.parquet as `id,value,category` lines.
    func validated() throws -> [String] {
        try Self.lines(RecordParquet.read(artifacts.url(jobID, ArtifactName.validated)))
    }

    static func lines(_ columns: RecordColumns) -> [String] {
        columns.ids.indices.map { "\(columns.ids[$0]),\(columns.values[$0]),\(columns.categoryNames[Int(columns.categoryCodes[$0])])" }
    }

    func metric(_ result: StageResult, _ name: String) -> Double? {
        result.outcome.metrics.first { $0.name == name }?.value
    }

    @Test func theSeedSampleIsWrittenForTheNormalizer() async throws {
        let result = try await run("""
            {"data": [{"id": 1, "value": 10.5, "category": "A"}, {"id": 2, "value": 20.3, "category": "B"},
                      {"id": 3, "value": 15.7, "category": "A"}],
             "processing_config": {"gpu_enabled": true, "compare_pipelines": true, "store_results": true}}
            """)
        #expect(try validated() == ["1,10.5,A", "2,20.3,B", "3,15.7,A"])
        #expect(result.outcome.recordsIn == 3 && result.outcome.recordsOut == 3 && result.outcome.jobRecordCount == 3)
        #expect(metric(result, "records_invalid") == 0)
    }

    /// A body the gateway checked comes with validation.json and validated.parquet: the
    /// stage reports them and does not read the input again (here, there is none).
    @Test func columnsTheGatewayWroteAreNotCheckedAgain() async throws {
        let body = #"{"data": [{"id": 1, "value": 1, "category": "A"}, {"id": 2, "value": 2, "category": "B"}]}"#
        let report = RecordValidator().validate(try SubmissionParser().parse(Data(body.utf8), format: .json).records)
        try ValidatedArtifacts.write(.validated(report, report.outcome(onInvalid: .fail)), jobID: jobID, artifacts: artifacts)
        let message = StageMessage(jobID: jobID, stage: .validate, traceID: "t", submittedAt: Date())
        let result = try await ValidatorStage().run(StageJob(message: message, config: .init(rawJSON: "{}"), artifacts: artifacts, logger: Logger(label: "test")))
        #expect(result.outcome.recordsIn == 2 && result.outcome.recordsOut == 2)
        #expect(metric(result, "checked_at_intake") == 1 && metric(result, "records_valid") == 2)
        #expect(try validated() == ["1,1.0,A", "2,2.0,B"])
    }

    @Test func csvAndNDJSONInputsAndAwkwardCategoriesSurvive() async throws {
        _ = try await run("id,value,category\n7,-1.5e3,\"a, \"\"b\"\"\"\n", as: "input.csv")
        #expect(try validated() == ["7,-1500.0,a, \"b\""])
        let other = try ValidatorStageTests()
        _ = try await other.run(#"{"id": 1, "value": 2, "category": "x"}"# + "\n", as: "input.ndjson")
        #expect(try other.validated() == ["1,2.0,x"])
    }

    @Test func anInvalidRecordFailsAStrictJobNamingTheRecordAndWritesNothingForward() async throws {
        let error = await #expect(throws: StageError.self) {
            try await run(#"{"data": [{"id": 1, "value": 1, "category": "A"}, {"id": 1, "value": "NaN", "category": ""}]}"#)
        }
        #expect(error?.cause == .invalidData)
        #expect(error?.message.contains("1") == true)
        #expect(!FileManager.default.fileExists(atPath: artifacts.url(jobID, ArtifactName.validated).path))
        let summary = String(decoding: try artifacts.read(jobID, "validation.json"), as: UTF8.self)
        #expect(summary.contains("\"accepted\":false") && summary.contains("duplicate_id") && summary.contains("value_not_finite"))
    }

    @Test func theDropPolicyKeepsTheValidRecordsAndCountsTheRest() async throws {
        let result = try await run(
            #"{"data": [{"id": 1, "value": 1, "category": "A"}, {"id": 2, "value": "x", "category": "B"}, {"id": 3, "category": "C"}], "processing_config": {"on_invalid": "drop"}}"#
        )
        #expect(try validated() == ["1,1.0,A"])
        #expect(result.outcome.recordsIn == 3 && result.outcome.recordsOut == 1)
        #expect(metric(result, "records_invalid") == 2)
        #expect(metric(result, "invalid_missing_field") == 1)
    }

    @Test func aMissingInputIsInvalidData() async throws {
        let message = StageMessage(jobID: UUID(), stage: .validate, traceID: "t", submittedAt: Date())
        let error = await #expect(throws: StageError.self) {
            try await ValidatorStage().run(StageJob(message: message, config: .init(rawJSON: "{}"), artifacts: artifacts, logger: Logger(label: "test")))
        }
        #expect(error?.message.contains("no input artifact") == true)
    }
}
