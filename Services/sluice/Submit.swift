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
                Without --wait the job id is printed at once; with it, the summary once the job finishes.
                """
        )

        @Argument(help: "The file to submit.")
        var file: String

        @Flag(name: .long, help: "Wait for the job to finish and print its summary.")
        var wait = false

        @Option(name: .long, help: "With --wait: the most seconds to wait (the gateway allows up to SLUICE_PROCESS_MAX_WAIT).")
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
            let response = try await options.client().submit(
                body, contentType: contentType, parameters: parameters,
                wait: wait ? .seconds(timeout) : nil, idempotencyKey: idempotencyKey
            )
            try options.show(response) { answer in
                if response.status == 200, let summary = answer["summary"] as? [String: Any] {
                    return SummaryText(summary).rendered
                }
                let id = answer["job_id"] as? String ?? "?"
                let still = wait ? " (still running after \(timeout) s; follow it with `sluice status \(id)`)" : ""
                return "job \(id) \(answer["status"] as? String ?? "queued")\(still)"
            }
        }
    }
}
