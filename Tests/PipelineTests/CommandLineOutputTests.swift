import Foundation
import SluiceClient
import SluiceContracts
import Testing
@testable import sluice

/// What `sluice status`, `watch` and the summary print, from the gateway's answers.
@Suite struct CommandLineOutputTests {
    @Test func aCancelledJobSaysWhoCancelledItNotThatItFailed() {
        let cancelled: [String: Any] = ["job_id": "64238b90-1f2e-4c3d-8e9f-0a1b2c3d4e5f", "status": "cancelled", "error": "cancelled by tests"]
        let text = Sluice.Status.text(of: cancelled)
        #expect(text.contains("\n  cancelled by tests"))
        #expect(!text.contains("failed"))
        let failed: [String: Any] = ["job_id": "x", "status": "failed", "failed_stage": "spark", "error": "the driver exited"]
        #expect(Sluice.Status.text(of: failed).contains("  failed in spark: the driver exited"))
        let failedBeforeAStage: [String: Any] = ["job_id": "x", "status": "failed", "error": "no input"]
        #expect(Sluice.Status.text(of: failedBeforeAStage).contains("  failed: no input"))
    }

    /// A finished job's events all arrive at once: each plain line is stamped with the
    /// event's own time since submission, not with when it arrived.
    @Test func plainLinesOfAFinishedJobKeepTheirRealTimes() {
        let job = #""job_id":"j","submitted_at":"2026-12-06T10:00:00.000Z","started_at":"2026-12-06T10:00:00.200Z","finished_at":"2026-12-06T10:00:04.500Z""#
        let events = [
            ServerSentEvent(name: "stage_started", data: #"{"stage":"validate","attempt":1,"enqueued_at":"2026-12-06T10:00:00.000Z","started_at":"2026-12-06T10:00:00.200Z"}"#),
            ServerSentEvent(name: "stage_finished", data: #"{"stage":"validate","attempt":1,"outcome":"succeeded","enqueued_at":"2026-12-06T10:00:00.000Z","started_at":"2026-12-06T10:00:00.200Z","finished_at":"2026-12-06T10:00:01.700Z","service_seconds":1.5}"#),
            ServerSentEvent(name: "end", data: "{\(job),\"status\":\"completed\"}"),
        ]
        let now = ContinuousClock.now
        var board = ProgressBoard(now: now)
        let lines = events.compactMap { event in
            board.apply(event, at: now)
            return board.line(for: event, at: now)
        }
        #expect(lines.map { String($0.prefix(10)) } == ["[   0.2 s]", "[   1.7 s]", "[   4.5 s]"], "\(lines)")
        #expect(lines.first?.hasSuffix("validate #1   started") == true, "\(lines)")
    }

    @Test func theSummarySaysWhichPipelineWasFasterAndByHowMuch() throws {
        func pipelines(_ dataframe: Double, _ rdd: Double?) -> JobSummary.Pipelines {
            .init(dataframeSeconds: dataframe, rddSeconds: rdd, speedup: rdd.map { $0 / dataframe }, winner: "rdd", agree: true, batchedJobs: nil, concurrent: nil)
        }
        #expect(SummaryText.faster(pipelines(1.0, 0.125)) == "RDD 8.0× faster")
        #expect(SummaryText.faster(pipelines(0.5, 1.5)) == "DataFrame 3.0× faster")
        #expect(SummaryText.faster(pipelines(1.0, 0.98)) == "both about as fast")
        #expect(SummaryText.faster(pipelines(1.0, nil)) == nil)
        let summary = JobSummary(
            jobID: "j", status: "completed", source: "http", processingTime: 1, recordsProcessed: 1, throughputRecordsPerSecond: 1,
            records: .init(received: 1, valid: 1, invalid: 0, duplicates: 0), device: "cpu",
            statistics: .init(mean: 1, std: 0, min: 1, max: 1, constantValues: true), categories: [], stages: [],
            pipelines: pipelines(1.0, 0.1314), cost: .init(computeSeconds: 1, usd: 0, usdPerRecord: 0, prices: .init(cpuSecond: 0, gpuSecond: 0))
        )
        let line = SummaryText(summary).rendered.split(separator: "\n").first { $0.hasPrefix("spark:") }
        #expect(line == "spark: DataFrame 1.000 s, RDD 0.131 s; RDD 7.6× faster; results agree")
        // The JSON the gateway answers renders the same.
        #expect(SummaryText.rendered(try JSONEncoder().encode(summary)) == SummaryText(summary).rendered)
    }
}
