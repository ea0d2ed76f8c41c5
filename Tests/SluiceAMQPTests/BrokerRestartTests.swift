import Foundation
import SluiceCore
import SluiceTestSupport
import Testing
import SluiceAMQP
import SluiceContracts

/// Stops and starts the test broker, so it runs on its own (`make test` runs suites
/// whose names end in `RestartTests` after all others, one at a time).
@Suite(.serialized) struct BrokerRestartTests {
    @Test func aPublisherAndAConsumerSurviveABrokerRestartAndNoConfirmedMessageIsLost() async throws {
        try await TestBroker.withTopology { topology in
            let configuration = try TestBroker.configuration()
            let publisher = AMQPPublisher(configuration: configuration, confirmTimeout: .seconds(60), logger: TestBroker.logger)
            let consumer = AMQPConsumer(configuration: configuration, queue: topology.queue(.normalize), prefetch: 16, logger: TestBroker.logger)
            let total = 300
            let restartAfter = 100

            // Consumes until every confirmed index has arrived; acks that fail because
            // the connection went away are fine: the broker redelivers.
            let received = Task { () -> Set<Int> in
                var seen = Set<Int>()
                for await delivery in consumer.deliveries {
                    seen.insert(Int(delivery.text)!)
                    try? delivery.ack()
                    if seen.count == total { break }
                }
                return seen
            }
            defer { received.cancel() }

            // Publishes one message until the broker confirms it. A failure means
            // "maybe delivered", so a duplicate is allowed; a loss is not.
            @Sendable func publishConfirmed(_ index: Int) async throws {
                for attempt in 1... {
                    do {
                        return try await publisher.publish(
                            "\(index)".bytes, exchange: topology.workExchange, routingKey: topology.routingKey(.normalize)
                        )
                    } catch let error as AMQPError where attempt < 20 {
                        TestBroker.logger.info("publish \(index) failed, retrying: \(error)")
                    }
                }
            }

            try await withTimeout(.seconds(240), waitingFor: "publishing through a broker restart") {
                for index in 0..<restartAfter { try await publishConfirmed(index) }
                try await StackScript.run("rabbitmq.sh", ["stop"])
                // The broker comes back while publishes wait for it.
                async let restarted: Void = StackScript.run("rabbitmq.sh", ["start"])
                for index in restartAfter..<total { try await publishConfirmed(index) }
                try await restarted
            }

            let seen = try await withTimeout(.seconds(120), waitingFor: "every confirmed message after the restart") { await received.value }
            await publisher.close()
            await consumer.close()
            #expect(seen == Set(0..<total), "lost: \(Set(0..<total).subtracting(seen).sorted().prefix(20))")
        }
    }
}
