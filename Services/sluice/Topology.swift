import ArgumentParser
import SluiceAMQP
import SluiceContracts

extension Sluice {
    /// `sluice topology`: declares Sluice's exchanges and queues and prints them.
    struct Topology: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Declare the exchanges and queues (idempotent) and print them with their message counts.",
            discussion: """
                Reads SLUICE_AMQP_URL. Services declare what they use themselves; this shows the whole topology.

                Examples:
                  sluice topology                     queues, retry tiers, dead letters and their depths

                Exit status: 0 declared; 1 the broker refused a declaration; 69 the broker cannot be reached.
                """
        )

        func run() async throws {
            let configuration = try AMQPConfiguration()
            let topology = SluiceTopology()
            let admin = AMQPAdmin(configuration: configuration)
            try await admin.declare(topology.amqp)
            print("broker: \(configuration)")
            print("exchanges:")
            for exchange in topology.amqp.exchanges { print("  \(exchange.name) (\(exchange.kind.rawValue))") }
            print("queues (ready messages):")
            for queue in topology.amqp.queues {
                print("  \(queue.name): \(try await admin.messageCount(queue: queue.name))")
            }
        }
    }
}
