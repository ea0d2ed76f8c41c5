import Foundation
import Logging
import ServiceLifecycle
import SluiceAMQP
import SluiceContracts
import SluiceJobs
import SluicePostgres

/// Runs one stage as a queue worker; the four workers differ only in their ``StageHandler``.
///
/// For each delivery: decode the ``StageMessage`` → claim the job in PostgreSQL (its
/// status moves to the stage's, the attempt is recorded as running) → run the handler
/// → record the attempt, its metrics (and, for the last stage, the result and the
/// completion) in one transaction → publish the hand-off to the next stage with a
/// confirm → ack. A message whose job is already past the stage is acked untouched;
/// one whose attempt already succeeded is handed off again and acked, so a redelivery
/// after a crash between commit and ack changes nothing.
///
/// Invalid data fails the job at once. Any other failure requeues the message; on
/// its last allowed delivery the job is failed with the cause and the message goes
/// to the dead-letter queue.
public final class StageRunner: Service {
    private let stage: Stage
    private let handler: any StageHandler
    private let intake: (any MessageIntake)?
    private let amqp: AMQPConfiguration
    private let store: JobStore
    private let artifacts: ArtifactStore
    private let topology: SluiceTopology
    private let prefetch: UInt16
    private let worker: String
    private let logger: Logger

    /// Creates the runner; ``run()`` connects and consumes.
    ///
    /// - Parameters:
    ///   - intake: turns submissions published by scripts into stage messages (the validator's). Default none.
    ///   - prefetch: messages worked on at once by this process. Default 4.
    public init(
        stage: Stage,
        handler: any StageHandler,
        intake: (any MessageIntake)? = nil,
        amqp: AMQPConfiguration,
        store: JobStore,
        artifacts: ArtifactStore,
        topology: SluiceTopology = SluiceTopology(),
        prefetch: UInt16 = 4,
        logger: Logger
    ) {
        self.stage = stage
        self.handler = handler
        self.intake = intake
        self.amqp = amqp
        self.store = store
        self.artifacts = artifacts
        self.topology = topology
        self.prefetch = prefetch
        self.worker = "\(ProcessInfo.processInfo.hostName):\(getpid())"
        var logger = logger
        logger[metadataKey: "stage"] = "\(stage.rawValue)"
        self.logger = logger
    }

    /// Consumes until graceful shutdown, then finishes the work in flight and closes.
    public func run() async throws {
        let consumer = AMQPConsumer(
            configuration: amqp, queue: topology.queue(stage), prefetch: prefetch, topology: topology.amqp, logger: logger
        )
        let publisher = AMQPPublisher(configuration: amqp, topology: topology.amqp, logger: logger)
        logger.info("consuming", metadata: ["amqp.queue": "\(topology.queue(stage))", "amqp.prefetch": "\(prefetch)"])
        // At most `prefetch` deliveries are unsettled at once, which bounds the tasks.
        await withDiscardingTaskGroup { group in
            for await delivery in consumer.deliveries.cancelOnGracefulShutdown() {
                group.addTask { await self.process(delivery, publisher: publisher) }
            }
        }
        await consumer.close()
        await publisher.close()
    }

    private func process(_ delivery: AMQPDelivery, publisher: AMQPPublisher) async {
        let message: StageMessage
        do {
            if let stageMessage = try? StageMessage.decode(delivery.body) {
                message = stageMessage
            } else if let intake {
                message = try await intake.admit(delivery)
            } else {
                throw StageError(.invalidData, "the body is not a stage message")
            }
            guard message.stage == stage else { throw StageError(.invalidData, "a '\(message.stage)' message on the '\(stage)' queue") }
        } catch {
            logger.error("dead-lettering an unreadable message", metadata: ["error": "\(error)", "amqp.message_id": "\(delivery.properties.messageID ?? "-")"])
            try? delivery.reject(requeue: false)
            return
        }
        var logger = logger
        logger[metadataKey: "job_id"] = "\(message.jobID.uuidString.lowercased())"
        logger[metadataKey: "trace_id"] = "\(message.traceID)"

        do {
            let config: PostgresJSON
            switch try await store.beginAttempt(message, worker: worker) {
            case .unknownJob:
                logger.error("dead-lettering a message for an unknown job")
                try delivery.reject(requeue: false)
                return
            case .alreadyPast(let status):
                logger.info("job is already \(status.rawValue); acknowledging the repeat")
                try delivery.ack()
                return
            case .alreadySucceeded:
                try await handOff(message, publisher: publisher)
                try delivery.ack()
                return
            case .run(let jobConfig):
                config = jobConfig
            }
            let result = try await handler.run(StageJob(message: message, config: config, artifacts: artifacts, logger: logger))
            try await store.completeAttempt(message, outcome: result.outcome, summary: stage.next == nil ? result.summary ?? .init(rawJSON: "{}") : nil)
            try await handOff(message, publisher: publisher)
            if let reply = result.reply { await send(reply, for: message, publisher: publisher, logger: logger) }
            try delivery.ack()
        } catch let error as StageError where error.isPermanent {
            await fail(message, error, delivery: delivery, logger: logger)
        } catch {
            if delivery.previousDeliveries >= topology.deliveryLimit {
                await fail(message, StageError(.internalError, "gave up after \(delivery.previousDeliveries + 1) deliveries: \(error)"), delivery: delivery, logger: logger)
            } else {
                logger.warning("stage failed; the message goes back to the queue", metadata: ["error": "\(error)"])
                try? delivery.nack(requeue: true)
            }
        }
    }

    private func handOff(_ message: StageMessage, publisher: AMQPPublisher) async throws {
        guard let next = stage.next else { return }
        try await publisher.publish(message.handOff(to: next), topology: topology)
    }

    /// Not mandatory: a submitter whose reply queue is gone does not make the job fail.
    private func send(_ reply: StageResult.Reply, for message: StageMessage, publisher: AMQPPublisher, logger: Logger) async {
        do {
            try await publisher.publish(
                reply.body, exchange: "", routingKey: reply.queue,
                properties: AMQPProperties(contentType: "application/json", correlationID: reply.correlationID, messageID: "\(message.jobID.uuidString.lowercased()).reply"),
                mandatory: false
            )
        } catch {
            logger.error("could not send the reply", metadata: ["amqp.reply_to": "\(reply.queue)", "error": "\(error)"])
        }
    }

    private func fail(_ message: StageMessage, _ error: StageError, delivery: AMQPDelivery, logger: Logger) async {
        logger.error("job failed", metadata: ["error": "\(error)"])
        do {
            try await store.failJob(message, cause: error.cause, error: error.message)
            // Permanent failures are done with; others go to the dead-letter queue for inspection and replay.
            if error.isPermanent { try delivery.ack() } else { try delivery.reject(requeue: false) }
        } catch {
            logger.error("could not record the failure; the message goes back to the queue", metadata: ["error": "\(error)"])
            try? delivery.nack(requeue: true)
        }
    }
}
