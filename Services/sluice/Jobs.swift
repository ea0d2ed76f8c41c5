import ArgumentParser
import Foundation

extension Sluice {
    /// `sluice jobs`: the newest jobs.
    struct Jobs: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List the newest jobs.",
            discussion: """
                A table of id, status, duration and submission time, newest first; --json prints the gateway's page.

                Examples:
                  sluice jobs --status failed,cancelled --limit 50
                  sluice jobs --since 2026-11-29T00:00:00Z --json | jq '.jobs[].job_id'

                Exit status: 0 listed; 1 refused (a bad filter, no key).
                """
        )

        @Option(name: .long, help: "Only jobs with these statuses (comma-separated, e.g. failed,cancelled).")
        var status: String?

        @Option(name: .long, help: "Only jobs submitted at or after this ISO 8601 time.")
        var since: String?

        @Option(name: .long, help: "How many jobs (1-500).")
        var limit: Int = 20

        @OptionGroup var options: GatewayOptions

        func run() async throws {
            var query = [("limit", "\(limit)")]
            if let status { query.append(("status", status)) }
            if let since { query.append(("since", since)) }
            try options.show(try await options.client().jobs(query)) { page in
                let jobs = page["jobs"] as? [[String: Any]] ?? []
                if jobs.isEmpty { return "no jobs" }
                return jobs.map { job in
                    let duration = (job["duration_seconds"] as? Double).map { String(format: "%8.3f s", $0) } ?? "        -"
                    return "\(job["job_id"] as? String ?? "?")  \((job["status"] as? String ?? "?").padding(toLength: 11, withPad: " ", startingAt: 0)) \(duration)  \(job["submitted_at"] as? String ?? "")"
                }.joined(separator: "\n")
            }
        }
    }
}
