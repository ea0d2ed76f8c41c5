import ArgumentParser
import SluiceAMQP
import SluiceContracts

extension Sluice {
    /// `sluice topology`: declares Sluice's exchanges and queues and prints them.
    struct Topology: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Declare the exchanges and queues (idempotent) and print them with their message counts."
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
