import Foundation
import Logging
import SluiceAMQP
import SluiceContracts
import SluiceTestSupport

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
