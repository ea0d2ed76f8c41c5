import ArgumentParser
import Foundation
import SluiceClient
import SluiceCore

/// ``GatewayConnection`` and `--json`, for the commands that show one answer of the gateway.
struct GatewayOptions: ParsableArguments {
    @OptionGroup var connection: GatewayConnection

    @Flag(name: .long, help: "Print the gateway's JSON answer as it is.")
    var json = false

    func client() throws -> GatewayClient {
        try connection.client()
    }

    /// Prints the answer (readably through `render`, or as JSON with `--json`); a
    /// refusal is a ``CommandFailure`` with the gateway's message (exit status 1).
    func show(_ response: GatewayResponse, render: ([String: Any]) -> String) throws {
        guard response.isSuccess else {
            let message = response.error.map { error in
                ([error.error.message] + error.error.details.prefix(10).compactMap { detail in
                    let place = [detail.record.map { "record \($0)" }, detail.line.map { "line \($0)" }, detail.field]
                        .compactMap { $0 }.joined(separator: ", ")
                    return detail.message.map { "  - \(place.isEmpty ? "" : place + ": ")\($0)" }
                }).joined(separator: "\n") + " (\(error.error.code))"
            } ?? response.text
            throw CommandFailure(description: "HTTP \(response.status): \(message)", status: ProgramExit.failure)
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
