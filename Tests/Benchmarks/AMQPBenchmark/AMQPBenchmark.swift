import ArgumentParser
import Foundation
import Logging
import SluiceAMQP

/// Measures the Swift AMQP module against the broker named by SLUICE_AMQP_URL:
/// confirmed publishes per second (one in flight, and many), then consumed-and-acked
/// messages per second. Prints one JSON object per figure; `infra/bench-amqp.sh`
/// runs it next to the pika peer and prints the ratios.
@main
struct AMQPBenchmark: AsyncParsableCommand {
    @Option(help: "Messages per measurement.") var messages = 20_000
    @Option(help: "Body size in bytes.") var size = 256
    @Option(help: "Confirmed publishes kept in flight; one measurement per value.") var inFlight: [Int] = [1, 256]
    @Option(help: "Consumer prefetch.") var prefetch: UInt16 = 256

    func run() async throws {
        let configuration = try AMQPConfiguration()
        let logger = Logger(label: "sluice.bench")
        let queue = "bench.swift.\(UUID().uuidString.prefix(8))"
        let topology = AMQPTopology(queues: [.quorum(queue)])
        let admin = AMQPAdmin(configuration: configuration)
        try await admin.declare(topology)

        let publisher = AMQPPublisher(configuration: configuration, logger: logger)
        let body = [UInt8](repeating: 0x61, count: size)
        for window in inFlight {
            let seconds = try await timed {
                try await publishAll(publisher, body: body, queue: queue, window: window)
            }
            report("publish_confirmed", inFlight: window, seconds: seconds)
        }
        await publisher.close()

        let total = messages * inFlight.count
        let consumer = AMQPConsumer(configuration: configuration, queue: queue, prefetch: prefetch, logger: logger)
        var consumed = 0
        var start: ContinuousClock.Instant?
        for await delivery in consumer.deliveries {
            if start == nil { start = .now }
            try delivery.ack()
            consumed += 1
            if consumed == total { break }
        }
        report("consume_ack", inFlight: Int(prefetch), seconds: (ContinuousClock.now - start!).seconds, count: total)
        await consumer.close()
        try await admin.delete(topology)
    }

    private func publishAll(_ publisher: AMQPPublisher, body: [UInt8], queue: String, window: Int) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<messages {
                if index >= window { try await group.next() }
                group.addTask { try await publisher.publish(body, exchange: "", routingKey: queue) }
            }
            try await group.waitForAll()
        }
    }

    private func timed(_ body: () async throws -> Void) async throws -> Double {
        let start = ContinuousClock.now
        try await body()
        return (ContinuousClock.now - start).seconds
    }

    private func report(_ name: String, inFlight: Int, seconds: Double, count: Int? = nil) {
        let count = count ?? messages
        print(#"{"client": "swift", "measure": "\#(name)", "window": \#(inFlight), "messages": \#(count), "seconds": \#(seconds), "per_second": \#(Double(count) / seconds)}"#)
    }
}

extension Duration {
    fileprivate var seconds: Double { Double(components.seconds) + Double(components.attoseconds) * 1e-18 }
}
