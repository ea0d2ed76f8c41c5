import ArgumentParser
import Foundation

extension Sluice {
    /// `sluice status ID`: a job's status and its stage attempts.
    struct Status: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show a job's status and every stage attempt with its timings.",
            discussion: """
                Examples:
                  sluice status 0b7c5f1e              status, then one line per attempt: outcome, queue wait, service time, device
                  sluice status 0b7c5f1e --json       the job with its config and attempts

                Exit status: 0 shown; 1 refused (unknown job, no key).
                """
        )

        @Argument(help: "The job id, or its first 8 or more hex digits.")
        var id: String

        @OptionGroup var options: GatewayOptions

        func run() async throws {
            try options.show(try await options.client().job(id)) { Self.text(of: $0) }
        }

        /// The job (`GET /api/v1/jobs/{id}`'s answer) as lines: status, times, why it ended, attempts.
        static func text(of job: [String: Any]) -> String {
            let status = job["status"] as? String ?? "?"
            var lines = ["job \(job["job_id"] as? String ?? "?"): \(status) (source \(job["source"] as? String ?? "?"), \(job["record_count"].map { "\($0)" } ?? "?") records)"]
            lines.append("  submitted \(job["submitted_at"] as? String ?? "-"), finished \(job["finished_at"] as? String ?? "-")")
            if let error = job["error"] as? String {
                // A cancelled job's error says who cancelled it; only a failure has a stage to blame.
                switch (status, job["failed_stage"] as? String) {
                case ("cancelled", _): lines.append("  \(error)")
                case (_, let stage?): lines.append("  failed in \(stage): \(error)")
                case (_, nil): lines.append("  failed: \(error)")
                }
            }
            for attempt in job["attempts"] as? [[String: Any]] ?? [] {
                let service = (attempt["service_seconds"] as? Double).map { String(format: "%.3f s", $0) } ?? "running"
                let wait = (attempt["queue_wait_seconds"] as? Double).map { String(format: "%.3f s", $0) } ?? "-"
                lines.append("  \(attempt["stage"] as? String ?? "?") #\(attempt["attempt"] as? Int ?? 0): \(attempt["outcome"] as? String ?? "?"), queued \(wait), worked \(service)\((attempt["device"] as? String).map { " on \($0)" } ?? "")")
            }
            return lines.joined(separator: "\n")
        }
    }
}
