import ArgumentParser
import Foundation

extension Sluice {
    /// `sluice status ID`: a job's status and its stage attempts.
    struct Status: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show a job's status and every stage attempt with its timings.",
            discussion: """
                Examples:
                  sluice status 0b7c5f1e-…            status, then one line per attempt: outcome, queue wait, service time, device
                  sluice status 0b7c5f1e-… --json     the job with its config and attempts

                Exit status: 0 shown; 1 refused (unknown job, no key).
                """
        )

        @Argument(help: "The job id.")
        var id: String

        @OptionGroup var options: GatewayOptions

        func run() async throws {
            try options.show(try await options.client().job(id)) { job in
                var lines = ["job \(job["job_id"] as? String ?? id): \(job["status"] as? String ?? "?") (source \(job["source"] as? String ?? "?"), \(job["record_count"].map { "\($0)" } ?? "?") records)"]
                lines.append("  submitted \(job["submitted_at"] as? String ?? "-"), finished \(job["finished_at"] as? String ?? "-")")
                if let error = job["error"] as? String {
                    lines.append("  failed in \(job["failed_stage"] as? String ?? "?"): \(error)")
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
}
