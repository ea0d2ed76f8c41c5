import ArgumentParser
import Foundation
import SluiceClient

/// `--gateway URL`, `--api-key KEY` and `--json`, shared by the commands that talk to the gateway.
struct GatewayOptions: ParsableArguments {
    @Option(name: .long, help: "The gateway's URL (default: SLUICE_GATEWAY_URL, else http://127.0.0.1:58080).")
    var gateway: String?

    @Option(name: .long, help: "The API key (default: SLUICE_API_KEY).")
    var apiKey: String?

    @Flag(name: .long, help: "Print the gateway's JSON answer as it is.")
    var json = false

    func client() throws -> GatewayClient {
        var environment = ProcessInfo.processInfo.environment
        if let gateway { environment["SLUICE_GATEWAY_URL"] = gateway }
        if let apiKey { environment["SLUICE_API_KEY"] = apiKey }
        return try GatewayClient(environment: environment)
    }

    /// Prints the answer (readably through `render`, or as JSON with `--json`); a
    /// refusal goes to standard error and the command exits with status 1.
    func show(_ response: GatewayResponse, render: ([String: Any]) -> String) throws {
        guard response.isSuccess else {
            let message = response.error.map { error in
                ([error.error.message] + error.error.details.prefix(10).compactMap { detail in
                    let place = [detail.record.map { "record \($0)" }, detail.line.map { "line \($0)" }, detail.field]
                        .compactMap { $0 }.joined(separator: ", ")
                    return detail.message.map { "  - \(place.isEmpty ? "" : place + ": ")\($0)" }
                }).joined(separator: "\n") + " (\(error.error.code))"
            } ?? response.text
            FileHandle.standardError.write(Data("sluice: HTTP \(response.status): \(message)\n".utf8))
            throw ExitCode(1)
        }
        if json {
            print(response.text)
        } else if let object = response.object() {
            print(render(object))
        } else {
            print(response.text)
        }
    }
}
