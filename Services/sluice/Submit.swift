import ArgumentParser
import Foundation
import SluiceClient

extension Sluice {
    /// `sluice submit FILE|- [--wait]`: submits a JSON, NDJSON or CSV file (or standard input) to the gateway.
    struct Submit: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Submit a file of records (.json, .ndjson/.jsonl or .csv, or - for standard input) as a job.",
            discussion: """
                A .json file is a request body: {"data": [...], "processing_config": {...}}. NDJSON and CSV
                files hold records only; give their settings with --set (e.g. --set on_invalid=drop). The
                format comes from the file's extension, or from --format (needed for standard input).
                Without --wait the job id is printed at once. With it, the job is followed stage by stage
                (as `sluice watch` does) and its summary printed once it finishes.

                Examples:
                  sluice submit infra/examples/seed-sample.json --wait
                  sluice submit readings.csv --set on_invalid=drop --idempotency-key batch-42
                  export-readings | sluice submit - --format ndjson --wait

                Exit status: 0 accepted (with --wait: completed); 1 refused; 2 (--wait) the job failed or
                was cancelled; 3 (--wait) --timeout passed first; 66 the file is missing or unreadable; 69 the
                gateway cannot be reached (`sluice help` lists every status).
                """
        )

        @Argument(help: "The file to submit, or - for standard input.")
        var file: String

        @Option(name: .long, help: "json, ndjson or csv (default: from the file's extension).")
        var format: String?

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
            let fileExtension = URL(fileURLWithPath: file).pathExtension
            let parameters = try settings.map { setting -> (String, String) in
                let parts = setting.split(separator: "=", maxSplits: 1)
                guard parts.count == 2 else { throw ValidationError("--set \(setting): expected key=value") }
                return (String(parts[0]), String(parts[1]))
            }
            let file = file == "-" ? nil : try CommandFailure.readInput(file)
            let contentType = try Self.contentType(format: format ?? (file == nil || fileExtension.isEmpty ? nil : fileExtension), file: self.file)
            let body = file ?? FileHandle.standardInput.readDataToEndOfFile()
            let client = try options.client()
            let response = try await client.submit(body, contentType: contentType, parameters: parameters, idempotencyKey: idempotencyKey)
            guard wait, response.status == 202, let id = response.object()?["job_id"] as? String else {
                try options.show(response) { answer in "job \(answer["job_id"] as? String ?? "?") \(answer["status"] as? String ?? "queued")" }
                return
            }
            if !options.json { print("job \(id) accepted; following it (sluice watch \(id))") }
            try await JobFollower(client: client, timeout: .seconds(timeout), json: options.json).follow(id)
        }

        /// The content type of `format` (a format name or a file extension).
        static func contentType(format: String?, file: String) throws -> String {
            switch format?.lowercased() {
            case "json": "application/json"
            case "ndjson", "jsonl": "application/x-ndjson"
            case "csv": "text/csv"
            case nil: throw ValidationError("\(file): give --format json, ndjson or csv (the format of standard input, or of a file without an extension)")
            case let other?: throw ValidationError("\(file): '\(other)' is not json, ndjson (jsonl) or csv; name the format with --format")
            }
        }
    }
}
