import Foundation
import Logging
import SluiceAMQP
import SluiceContracts

/// The dead-letter queue, for operators (`sluice dlq list|replay`): what failed, where
/// and why (the `x-sluice-*` headers the stage runner sets), and replaying a failed
/// job's message as its stage's next attempt, or from the stage before when the failed
/// stage's input is missing or was set aside as damaged (``ArtifactStore/retryStart(failedAt:jobID:)``).
public struct DeadLetters: Sendable {
    /// One dead-lettered message.
    public struct Letter: Sendable {
        public let messageID: String?
        public let stage: String?
        public let cause: String?
        public let error: String?
        public let attempts: Int64?
        /// The stage message, when the body is one (not, e.g., an unreadable submission).
        public let message: StageMessage?
        public let body: [UInt8]
    }

    /// What replaying a letter did.
    public enum Replay: Sendable, Equatable {
        /// Published as the next attempt of the stage the retry starts at; the job is queued again.
        case requeued(Stage, attempt: Int)
        /// Left in the queue: not a stage message, or its job is not failed (unknown, running, completed).
        case kept(String)
    }

    private let amqp: AMQPConfiguration
    private let topology: SluiceTopology
    private let store: JobStore
    private let artifacts: ArtifactStore
    private let logger: Logger

    public init(amqp: AMQPConfiguration, topology: SluiceTopology, store: JobStore, artifacts: ArtifactStore, logger: Logger) {
        self.amqp = amqp
        self.topology = topology
        self.store = store
        self.artifacts = artifacts
        self.logger = logger
    }

    /// The first `limit` letters, oldest first; they stay in the queue.
    public func list(limit: Int) async throws -> [Letter] {
        try await withLetters(limit: limit) { deliveries in deliveries.map(Self.letter) }
    }

    /// Replays up to `limit` letters: each whose job is failed is published to its stage
    /// as the next attempt and removed from the queue; the others stay.
    public func replay(limit: Int) async throws -> [(Letter, Replay)] {
        let publisher = AMQPPublisher(configuration: amqp, topology: topology.amqp, logger: logger)
        let outcome: Result<[(Letter, Replay)], any Error>
        do { outcome = .success(try await replay(limit: limit, publisher: publisher)) } catch { outcome = .failure(error) }
        await publisher.close()
        return try outcome.get()
    }

    private func replay(limit: Int, publisher: AMQPPublisher) async throws -> [(Letter, Replay)] {
        try await withLetters(limit: limit) { deliveries in
            var outcomes: [(Letter, Replay)] = []
            for delivery in deliveries {
                let letter = Self.letter(delivery)
                guard let message = letter.message else {
                    outcomes.append((letter, .kept("not a stage message")))
                    continue
                }
                let (artifacts, jobID) = (artifacts, message.jobID)
                let (outcome, plan) = try await store.prepareRetry(jobID) { artifacts.retryStart(failedAt: $0, jobID: jobID) }
                guard outcome == .done, let plan else {
                    outcomes.append((letter, .kept("job \(message.jobID.uuidString.lowercased()): \(outcome)")))
                    continue
                }
                do {
                    try await publisher.publish(plan.message, topology: topology)
                } catch {
                    try await store.abandonRetry(plan)
                    throw error
                }
                try delivery.ack()
                outcomes.append((letter, .requeued(plan.message.stage, attempt: plan.message.attempt)))
            }
            return outcomes
        }
    }

    /// Takes up to `limit` of the messages ready now; those not acknowledged by `body`
    /// go back to the queue when the consumer closes.
    private func withLetters<T: Sendable>(limit: Int, _ body: ([AMQPDelivery]) async throws -> T) async throws -> T {
        let ready = try await AMQPAdmin(configuration: amqp).messageCount(queue: topology.deadLetterQueue)
        let wanted = min(ready, limit)
        let consumer = AMQPConsumer(
            configuration: amqp, queue: topology.deadLetterQueue, prefetch: UInt16(clamping: max(wanted, 1)),
            topology: topology.amqp, logger: logger
        )
        var deliveries: [AMQPDelivery] = []
        var iterator = consumer.deliveries.makeAsyncIterator()
        while deliveries.count < wanted, let delivery = await iterator.next() { deliveries.append(delivery) }
        let outcome: Result<T, any Error>
        do { outcome = .success(try await body(deliveries)) } catch { outcome = .failure(error) }
        await consumer.close()
        return try outcome.get()
    }

    private static func letter(_ delivery: AMQPDelivery) -> Letter {
        let headers = delivery.properties.headers
        return Letter(
            messageID: delivery.properties.messageID,
            stage: headers[MessageHeader.stage]?.stringValue,
            cause: headers[MessageHeader.cause]?.stringValue,
            error: headers[MessageHeader.error]?.stringValue,
            attempts: headers[MessageHeader.attempts]?.intValue,
            message: try? StageMessage.decode(delivery.body),
            body: delivery.body
        )
    }
}
