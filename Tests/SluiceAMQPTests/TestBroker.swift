import Foundation
import Logging
import SluiceAMQP
import SluiceContracts
import SluiceTestSupport

/// The real broker the test setup started (`infra/stack.sh`), found through SLUICE_AMQP_URL.
enum TestBroker {
    static let logger = Logger(label: "sluice.test.amqp")

    static func configuration() throws -> AMQPConfiguration {
        var configuration = try AMQPConfiguration()
        configuration.connectionName = "sluice-tests"
        configuration.reconnectBackoff = .init(initial: .milliseconds(100), maximum: .seconds(1))
        return configuration
    }

    /// Runs `body` with a topology of its own (unique names, short retry tier, small
    /// delivery limit) and deletes it afterwards, also when `body` throws.
    static func withTopology<T: Sendable>(
        _ body: @Sendable (SluiceTopology) async throws -> T
    ) async throws -> T {
        let topology = SluiceTopology(
            prefix: "test-\(UUID().uuidString.prefix(8).lowercased())",
            retryDelays: [.milliseconds(400)],
            deliveryLimit: 2
        )
        let admin = AMQPAdmin(configuration: try configuration())
        try await admin.declare(topology.amqp)
        do {
            let result = try await body(topology)
            try await admin.delete(topology.amqp)
            return result
        } catch {
            try? await admin.delete(topology.amqp)
            throw error
        }
    }
}

/// Publishes each of `texts` with a confirm, on a publisher of its own.
func publish(
    _ texts: [String], to topology: SluiceTopology, _ stage: Stage, properties: AMQPProperties = AMQPProperties()
) async throws {
    let publisher = AMQPPublisher(configuration: try TestBroker.configuration(), logger: TestBroker.logger)
    for text in texts {
        try await publisher.publish(text.bytes, exchange: topology.workExchange, routingKey: topology.routingKey(stage), properties: properties)
    }
    await publisher.close()
}

/// The next delivery from `consumer`, or nil if its stream ended.
func next(_ consumer: AMQPConsumer) async -> AMQPDelivery? {
    var iterator = consumer.deliveries.makeAsyncIterator()
    return await iterator.next()
}

extension String {
    var bytes: [UInt8] { Array(utf8) }
}

extension AMQPDelivery {
    var text: String { String(decoding: body, as: UTF8.self) }
}
