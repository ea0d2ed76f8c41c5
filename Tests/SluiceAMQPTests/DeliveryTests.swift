import Foundation
import SluiceCore
import SluiceTestSupport
import Testing
import SluiceAMQP
import SluiceContracts

/// Publishing and consuming through a real RabbitMQ.
@Suite struct DeliveryTests {
    @Test func tenThousandConfirmedPublishesAreConsumedExactlyOnce() async throws {
        try await TestBroker.withTopology { topology in
            let configuration = try TestBroker.configuration()
            let queue = topology.queue(.normalize)
            let count = 10_000
            let publisher = AMQPPublisher(configuration: configuration, logger: TestBroker.logger)
            try await withTimeout(.seconds(120), waitingFor: "10,000 confirms") {
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for index in 0..<count {
                        if index >= 500 { try await group.next() }
                        group.addTask {
                            try await publisher.publish(
                                "\(index)".bytes, exchange: topology.workExchange, routingKey: topology.routingKey(.normalize)
                            )
                        }
                    }
                    try await group.waitForAll()
                }
            }
            await publisher.close()
            let admin = AMQPAdmin(configuration: configuration)
            #expect(try await admin.messageCount(queue: queue) == count, "each publish enqueued exactly one message")

            let consumer = AMQPConsumer(configuration: configuration, queue: queue, prefetch: 200, logger: TestBroker.logger)
            let received = try await withTimeout(.seconds(120), waitingFor: "10,000 deliveries") {
                var received: [Int] = []
                for await delivery in consumer.deliveries {
                    #expect(!delivery.redelivered)
                    received.append(Int(delivery.text)!)
                    try delivery.ack()
                    if received.count == count { break }
                }
                return received
            }
            await consumer.waitUntilSettled()
            await consumer.close()
            #expect(received.count == count)
            #expect(Set(received) == Set(0..<count), "every published index arrives")
            // Acks reach a quorum queue through its Raft log, so its depth can lag a moment.
            let drained = try await eventually { try await admin.messageCount(queue: queue) == 0 }
            if !drained {
                let leftovers = AMQPConsumer(configuration: configuration, queue: queue, logger: TestBroker.logger)
                let seen = try await withTimeout(.seconds(5), waitingFor: "the leftovers") {
                    var seen: [String] = []
                    for await delivery in leftovers.deliveries.prefix(20) {
                        seen.append("\(delivery.text) redelivered=\(delivery.redelivered) count=\(delivery.previousDeliveries)")
                    }
                    return seen
                }
                await leftovers.close()
                Issue.record("left in the queue after every index was acked: \(seen)")
            }
        }
    }

    @Test func aNackedMessageIsRedelivered() async throws {
        try await TestBroker.withTopology { topology in
            let configuration = try TestBroker.configuration()
            try await publish(
                ["again"], to: topology, .spark,
                properties: AMQPProperties(contentType: "text/plain", headers: ["trace": "t-1"], messageID: "m-1")
            )

            let consumer = AMQPConsumer(configuration: configuration, queue: topology.queue(.spark), logger: TestBroker.logger)
            let (first, second) = try await withTimeout(.seconds(30), waitingFor: "a delivery and its redelivery") {
                var iterator = consumer.deliveries.makeAsyncIterator()
                let first = try #require(await iterator.next())
                try first.nack(requeue: true)
                let second = try #require(await iterator.next())
                try second.ack()
                return (first, second)
            }
            await consumer.close()
            #expect(first.text == "again" && second.text == "again")
            #expect(!first.redelivered && second.redelivered)
            #expect(second.previousDeliveries == 1)
            #expect(second.properties.messageID == "m-1")
            #expect(second.properties.contentType == "text/plain")
            #expect(second.properties.headers["trace"] == "t-1")
            #expect(second.properties.persistent)
        }
    }

    @Test func aMessageNackedPastTheDeliveryLimitIsDeadLettered() async throws {
        try await TestBroker.withTopology { topology in
            let configuration = try TestBroker.configuration()
            try await publish(["poison"], to: topology, .analyze, properties: AMQPProperties(messageID: "poison-1"))

            let work = AMQPConsumer(configuration: configuration, queue: topology.queue(.analyze), logger: TestBroker.logger)
            let dead = AMQPConsumer(configuration: configuration, queue: topology.deadLetterQueue, logger: TestBroker.logger)
            let deliveriesOnWork = try await withTimeout(.seconds(30), waitingFor: "the poison message to be retried") {
                var deliveries = 0
                for await delivery in work.deliveries {
                    deliveries += 1
                    try delivery.nack(requeue: true)
                    if deliveries == topology.deliveryLimit + 1 { break }
                }
                return deliveries
            }
            let deadLettered = try await withTimeout(.seconds(30), waitingFor: "the dead-lettered message") { try #require(await next(dead)) }
            try deadLettered.ack()
            await work.close()
            await dead.close()

            #expect(deliveriesOnWork == topology.deliveryLimit + 1)
            #expect(deadLettered.text == "poison")
            #expect(deadLettered.properties.messageID == "poison-1")
            #expect(deadLettered.properties.headers["x-first-death-reason"]?.stringValue == "delivery_limit")
            #expect(deadLettered.properties.headers["x-first-death-queue"]?.stringValue == topology.queue(.analyze))
            let admin = AMQPAdmin(configuration: configuration)
            #expect(try await eventually { try await admin.messageCount(queue: topology.queue(.analyze)) == 0 })
        }
    }

    @Test func aMessageInARetryTierComesBackAfterItsDelay() async throws {
        try await TestBroker.withTopology { topology in
            let configuration = try TestBroker.configuration()
            let consumer = AMQPConsumer(configuration: configuration, queue: topology.queue(.validate), logger: TestBroker.logger)
            let publisher = AMQPPublisher(configuration: configuration, logger: TestBroker.logger)
            let sent = ContinuousClock.now
            try await publisher.publish(
                "later".bytes, exchange: topology.retryExchange, routingKey: topology.retryRoutingKey(.validate, tier: 0)
            )
            await publisher.close()
            let delivery = try await withTimeout(.seconds(30), waitingFor: "the retried message") { try #require(await next(consumer)) }
            let waited = ContinuousClock.now - sent
            try delivery.ack()
            await consumer.close()

            #expect(delivery.text == "later")
            #expect(waited >= topology.retryDelays[0], "came back after \(waited), before its tier's delay")
            #expect(delivery.properties.headers["x-first-death-reason"]?.stringValue == "expired")
        }
    }

    @Test func anUnroutableMandatoryPublishThrows() async throws {
        try await TestBroker.withTopology { topology in
            let publisher = AMQPPublisher(configuration: try TestBroker.configuration(), logger: TestBroker.logger)
            let error = await #expect(throws: AMQPError.self) {
                try await publisher.publish("lost".bytes, exchange: topology.workExchange, routingKey: "no-such-stage")
            }
            #expect(error?.code == .publishReturned)
            #expect(error?.replyCode == 312)
            // The publisher stays usable.
            try await publisher.publish("kept".bytes, exchange: topology.workExchange, routingKey: topology.routingKey(.spark))
            await publisher.close()
            let left = try await AMQPAdmin(configuration: try TestBroker.configuration()).messageCount(queue: topology.queue(.spark))
            #expect(left == 1)
        }
    }

    @Test func aPublishToAMissingExchangeThrowsAndThePublisherRecovers() async throws {
        try await TestBroker.withTopology { topology in
            let publisher = AMQPPublisher(configuration: try TestBroker.configuration(), logger: TestBroker.logger)
            let error = await #expect(throws: AMQPError.self) {
                try await publisher.publish("x".bytes, exchange: "\(topology.prefix).missing", routingKey: "k")
            }
            #expect(error?.code == .connectionLost)
            #expect(error?.description.contains("NOT_FOUND") == true)
            try await withTimeout(.seconds(30), waitingFor: "a publish after the channel error") {
                try await publisher.publish("y".bytes, exchange: topology.workExchange, routingKey: topology.routingKey(.spark))
            }
            await publisher.close()
        }
    }

    @Test func aConsumerDrainsOnStopAndHandsBackWhatItDidNotTake() async throws {
        try await TestBroker.withTopology { topology in
            let configuration = try TestBroker.configuration()
            try await publish((0..<10).map(String.init), to: topology, .spark)
            let consumer = AMQPConsumer(configuration: configuration, queue: topology.queue(.spark), prefetch: 4, logger: TestBroker.logger)
            let first = try await withTimeout(.seconds(30), waitingFor: "a delivery") { try #require(await next(consumer)) }
            await consumer.stopConsuming()
            // Still settleable after the subscription ended.
            try first.ack()
            await consumer.waitUntilSettled()
            await consumer.close()
            let admin = AMQPAdmin(configuration: configuration)
            let returned = try await eventually { try await admin.messageCount(queue: topology.queue(.spark)) == 9 }
            #expect(returned, "the prefetched but untaken deliveries went back to the queue, and the acked one did not")
        }
    }
}
