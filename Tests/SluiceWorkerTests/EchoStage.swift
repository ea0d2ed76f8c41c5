import Foundation
import SluiceContracts
import SluiceJobs
import SluicePostgres
import SluiceWorker

/// A stage for the tests: appends its name to the previous stage's artifact (or to
/// `input.txt`). The input can ask it to fail: `fail:<stage>` with invalid data,
/// `flaky:<stage>:<n>` with a timeout on its first n attempts, `broken:<stage>` with an
/// internal error on every attempt; `awaits:<stage>:<gate>` and `opens:<stage>:<gate>`
/// make it wait for, or open, a ``StageGate`` (waiting 20 s at most, then a timeout)
/// before anything else it was asked to do.
struct EchoStage: StageHandler {
    let stage: Stage

    func run(_ job: StageJob) async throws -> StageResult {
        let jobID = job.message.jobID
        let previous = Stage.allCases.last { $0.next == stage }.map { "\($0.rawValue).txt" } ?? "input.txt"
        let lines = String(decoding: try job.artifacts.read(jobID, previous), as: UTF8.self).split(separator: "\n").map(String.init)
        if let gate = argument(of: "opens", in: lines) { StageGate.open(gate) }
        if let gate = argument(of: "awaits", in: lines), await !StageGate.wait(gate, timeout: .seconds(20)) {
            throw StageError(.timeout, "gate \(gate) stayed closed")
        }
        if lines.contains("fail:\(stage.rawValue)") {
            throw StageError(.invalidData, "the input asks \(stage.rawValue) to fail")
        }
        if lines.contains("broken:\(stage.rawValue)") {
            throw CocoaError(.fileReadCorruptFile)
        }
        if let flaky = lines.first(where: { $0.hasPrefix("flaky:\(stage.rawValue):") }), let failures = Int(flaky.split(separator: ":").last ?? ""),
           job.message.attempt <= failures {
            throw StageError(.timeout, "attempt \(job.message.attempt) of \(stage.rawValue) timed out, as the input asks")
        }
        try job.artifacts.write(Data((lines + [stage.rawValue]).joined(separator: "\n").utf8), jobID, "\(stage.rawValue).txt")
        let outcome = StageOutcome(
            recordsIn: lines.count, recordsOut: lines.count + 1, device: "cpu",
            metrics: [.init("lines", Double(lines.count + 1), unit: "records")]
        )
        return StageResult(outcome: outcome, summary: try PostgresJSON(["stages": lines.count + 1]))
    }

    /// `x` in the line `<verb>:<this stage>:x`.
    private func argument(of verb: String, in lines: [String]) -> String? {
        let prefix = "\(verb):\(stage.rawValue):"
        return lines.first { $0.hasPrefix(prefix) }.map { String($0.dropFirst(prefix.count)) }
    }
}
