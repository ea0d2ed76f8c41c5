import Foundation
import Logging
import SluiceAMQP

/// A reply queue of one command's own: declared non-durable and auto-deleted (it goes
/// away when the command disconnects), consumed until the message with the expected
/// correlation id arrives.
struct ReplyWaiter {
    let amqp: AMQPConfiguration
    let queue: String
    let correlationID: String
    let logger: Logger

    /// Declares the queue, runs `send` once it is consumed, and returns the body of the
    /// matching reply, or nil when `timeout` passes first.
    func wait(timeout: Duration, after send: @escaping @Sendable () async throws -> Void) async throws -> [UInt8]? {
        let topology = AMQPTopology(queues: [.init(name: queue, durable: false, autoDelete: true)])
        try await AMQPAdmin(configuration: amqp).declare(topology)
        let consumer = AMQPConsumer(configuration: amqp, queue: queue, prefetch: 1, topology: topology, logger: logger)
        let correlationID = correlationID
        return try await withThrowingTaskGroup(of: [UInt8]?.self) { group in
            group.addTask {
                try await consumer.run()
                return nil
            }
            group.addTask {
                try await send()
                for await delivery in consumer.deliveries {
                    try delivery.ack()
                    if delivery.properties.correlationID == correlationID { return delivery.body }
                }
                return nil
            }
            group.addTask {
                try await Task.sleep(for: timeout)
                return nil
            }
            defer { group.cancelAll() }
            // The consumer runs until cancelled, so the first answer is the reply or the timeout.
            let answer = try await group.next() ?? nil
            await consumer.close()
            return answer
        }
    }
}
