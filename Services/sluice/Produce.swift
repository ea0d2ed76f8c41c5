import ArgumentParser
import Foundation
import Logging
import SluiceAMQP
import SluiceContracts
import SluiceJobs

extension Sluice {
    /// `sluice produce FILE [--reply]`: publishes a job straight onto the submit
    /// exchange, as a script would, and with `--reply` waits for its summary on a reply
    /// queue of its own.
    struct Produce: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Publish a job straight onto the broker (no gateway), as a script would.",
            discussion: """
                FILE holds what POST /api/v1/jobs takes as JSON: {"data": [...], "processing_config": {...}}, optionally
                with "job_id". It is published with a publisher confirm onto the submit exchange (SLUICE_AMQP_URL); the
                validator checks it and creates the job. The message id makes it idempotent: --message-id with the same
                id again gives the same job.

                With --reply, a reply queue of this command's own (deleted when it disconnects) receives the job's
                summary once the job completes; a job that fails sends none (see `sluice jobs --status failed`).

                Examples:
                  sluice produce infra/examples/seed-sample.json --reply
                  sluice produce nightly.json --message-id nightly-2026-11-29

                Exit status: 0 published (with --reply: the summary arrived); 1 the broker refused the message;
                3 --timeout passed before the summary; 66 the file is missing or unreadable; 69 the broker cannot be
                reached.
                """
        )

        @Argument(help: "A JSON file of the job.")
        var file: String

        @Flag(name: .long, help: "Wait for the job's summary on a reply queue.")
        var reply = false

        @Option(name: .long, help: "With --reply: the most seconds to wait.")
        var timeout: Double = 300

        @Option(name: .long, help: "The message id (default: a new UUID); the same id again gives the same job.")
        var messageId: String?

        @Option(name: .long, help: "The exchange to publish to (default: SLUICE_SUBMIT_EXCHANGE, else sluice.submit).")
        var exchange: String?

        @Flag(name: .long, help: "Print the summary as JSON.")
        var json = false

        func run() async throws {
            let body = try CommandFailure.readInput(file)
            guard (try? JSONSerialization.jsonObject(with: body)) is [String: Any] else {
                throw ValidationError("\(file): expected a JSON object such as {\"data\": [...]}")
            }
            let pipeline = try PipelineConfiguration()
            var logger = Logger(label: "sluice.produce")
            logger.logLevel = .warning
            let messageID = messageId ?? UUID().uuidString.lowercased()
            let exchange = exchange ?? ProcessInfo.processInfo.environment["SLUICE_SUBMIT_EXCHANGE"] ?? pipeline.topology.submitExchange
            let correlationID = UUID().uuidString.lowercased()
            let replyQueue = reply ? "\(pipeline.topology.prefix).reply.\(correlationID)" : nil
            let publisher = AMQPPublisher(configuration: pipeline.amqp, logger: logger)
            let publish: @Sendable () async throws -> Void = {
                try await publisher.publish(
                    Array(body), exchange: exchange, routingKey: "",
                    properties: AMQPProperties(contentType: "application/json", correlationID: correlationID, replyTo: replyQueue, messageID: messageID)
                )
            }
            guard let replyQueue else {
                do {
                    try await publish()
                } catch {
                    await publisher.close()
                    throw error
                }
                await publisher.close()
                print("published message \(messageID) to \(exchange)")
                return
            }
            let summary = try await ReplyWaiter(amqp: pipeline.amqp, queue: replyQueue, correlationID: correlationID, logger: logger)
                .wait(timeout: .seconds(timeout)) {
                    try await publish()
                }
            await publisher.close()
            guard let summary else {
                FileHandle.standardError.write(Data("sluice: no summary within \(timeout) s for message \(messageID)\n".utf8))
                throw ExitCode(3)
            }
            if !json, let text = SummaryText.rendered(summary) {
                print(text)
            } else {
                print(String(decoding: summary, as: UTF8.self))
            }
        }
    }
}
