import ArgumentParser
import Foundation
import Logging
import SluiceAMQP
import SluiceContracts
import SluiceJobs
import SluicePostgres

extension Sluice {
    /// `sluice dlq list|replay`: the dead-letter queue (reads SLUICE_AMQP_URL and SLUICE_DATABASE_URL).
    struct DeadLetterQueue: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "dlq",
            abstract: "Inspect and replay dead-lettered messages (broker and database directly).",
            discussion: """
                Reads SLUICE_AMQP_URL, SLUICE_DATABASE_URL and SLUICE_ARTIFACT_DIR.

                Examples:
                  sluice dlq list                     each letter's job, stage, cause, error and attempts
                  sluice dlq replay --limit 10        re-run their failed jobs from that stage (from the
                                                      stage before when its input is missing or damaged)

                Exit status: 0 done; 69 the broker or the database cannot be reached.
                """,
            subcommands: [List.self, Replay.self]
        )

        static func deadLetters() throws -> DeadLetters {
            let logger = Logger(label: "sluice.dlq")
            let pool = PostgresPool(configuration: try PostgresConfiguration(environment: ProcessInfo.processInfo.environment), logger: logger)
            return DeadLetters(
                amqp: try AMQPConfiguration(), topology: SluiceTopology(), store: JobStore(pool: pool), artifacts: try ArtifactStore(), logger: logger
            )
        }

        static func describe(_ letter: DeadLetters.Letter) -> String {
            let job = letter.message.map { "job \($0.jobID.uuidString.lowercased()) " } ?? ""
            return "\(job)\(letter.stage ?? "?") attempt \(letter.attempts.map(String.init) ?? "?"): \(letter.cause ?? "no cause") \(letter.error.map { "(\($0))" } ?? "")"
        }

        struct List: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "List dead-lettered messages, oldest first; they stay in the queue.")

            @Option(name: .long, help: "At most this many.")
            var limit = 50

            func run() async throws {
                let letters = try await DeadLetterQueue.deadLetters().list(limit: limit)
                if letters.isEmpty { print("the dead-letter queue is empty") }
                for letter in letters { print(DeadLetterQueue.describe(letter)) }
            }
        }

        struct Replay: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Run the failed jobs of dead-lettered messages again from their stage; other messages stay."
            )

            @Option(name: .long, help: "At most this many.")
            var limit = 50

            func run() async throws {
                for (letter, outcome) in try await DeadLetterQueue.deadLetters().replay(limit: limit) {
                    switch outcome {
                    case .requeued(let stage, let attempt): print("replayed \(DeadLetterQueue.describe(letter)) as \(stage.rawValue) attempt \(attempt)")
                    case .kept(let why): print("kept \(DeadLetterQueue.describe(letter)): \(why)")
                    }
                }
            }
        }
    }
}
