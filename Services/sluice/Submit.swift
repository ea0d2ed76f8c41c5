import ArgumentParser
import Foundation
import SluiceClient

extension Sluice {
    /// `sluice submit FILE [--wait]`: submits a JSON, NDJSON or CSV file to the gateway.
    struct Submit: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Submit a file of records (.json, .ndjson/.jsonl or .csv) as a job.",
            discussion: """
                A .json file is a request body: {"data": [...], "processing_config": {...}}. NDJSON and CSV
                files hold records only; give their settings with --set (e.g. --set on_invalid=drop).
                Without --wait the job id is printed at once. With it, the job is followed stage by stage
                (as `sluice watch` does) and its summary printed once it finishes.

                Examples:
                  sluice submit ../shared/data/seed-sample.json --wait
                  sluice submit readings.csv --set on_invalid=drop --idempotency-key batch-42

                Exit status: 0 accepted (with --wait: completed); 1 refused; 2 (--wait) the job failed or
                was cancelled; 3 (--wait) --timeout passed first.
                """
        )

        @Argument(help: "The file to submit.")
        var file: String

        @Flag(name: .long, help: "Follow the job to its end and print its summary.")
        var wait = false

        @Option(name: .long, help: "With --wait: the most seconds to follow the job.")
        var timeout: Double = 300

        @Option(name: .customLong("set"), help: "A processing_config setting for NDJSON and CSV files, as key=value.")
        var settings: [String] = []

        @Option(name: .long, help: "Submitting again with the same key returns the same job instead of a new one.")
        var idempotencyKey: String?

        @OptionGroup var options: GatewayOptions

        func run() async throws {
            let contentType: String
            switch URL(fileURLWithPath: file).pathExtension.lowercased() {
            case "json": contentType = "application/json"
            case "ndjson", "jsonl": contentType = "application/x-ndjson"
            case "csv": contentType = "text/csv"
            default: throw ValidationError("\(file): the extension must be .json, .ndjson, .jsonl or .csv")
            }
            let parameters = try settings.map { setting -> (String, String) in
                let parts = setting.split(separator: "=", maxSplits: 1)
                guard parts.count == 2 else { throw ValidationError("--set \(setting): expected key=value") }
                return (String(parts[0]), String(parts[1]))
            }
            let body: Data
            do { body = try Data(contentsOf: URL(fileURLWithPath: file)) } catch {
                throw ValidationError("\(file): cannot be read (\(error.localizedDescription))")
            }
            let client = try options.client()
            let response = try await client.submit(body, contentType: contentType, parameters: parameters, idempotencyKey: idempotencyKey)
            guard wait, response.status == 202, let id = response.object()?["job_id"] as? String else {
                try options.show(response) { answer in "job \(answer["job_id"] as? String ?? "?") \(answer["status"] as? String ?? "queued")" }
                return
            }
            if !options.json { print("job \(id) accepted; following it (sluice watch \(id))") }
            try await JobFollower(client: client, timeout: .seconds(timeout), json: options.json).follow(id)
        }
    }
}
