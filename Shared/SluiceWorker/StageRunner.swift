import Foundation
import Logging
import Prometheus
import ServiceLifecycle
import SluiceAMQP
import SluiceContracts
import SluiceJobs
import SluicePostgres

/// Runs one stage as a queue worker; the four workers differ only in their ``StageHandler``.
///
/// For each delivery: decode the ``StageMessage`` → claim the job in PostgreSQL (its
/// status moves to the stage's, the attempt is recorded as running with a lease) → run
/// the handler, renewing the lease → record the attempt, its metrics (and, for the last
/// stage, the result and the completion) in one transaction → publish the hand-off to
/// the next stage with a confirm and record it → ack. A message whose job is already
/// past the stage is acked untouched; one whose attempt already succeeded is handed off
/// again and acked, so a redelivery after a crash between commit and ack changes nothing.
///
/// The delivery stays unacknowledged while the stage runs (a worker that dies gives it
/// straight back), but no longer than the delivery hold: a stage that runs longer has
/// it acknowledged early, before RabbitMQ's `consumer_timeout`, and its lease carries
/// the job from then on (``HeldDelivery``, ``AttemptSweeper``).
///
/// A failing stage is classified by cause (``StageError``). Invalid data fails the job
/// at once; other causes run the stage again as its next attempt after a retry tier's
/// delay, up to the ``RetryPolicy``'s attempts for the cause, after which the job is
/// failed and the message dead-lettered with `x-sluice-cause` in its headers.
public final class StageRunner: Service {
    private let stage: Stage
    private let handler: any StageHandler
    private let intake: (any MessageIntake)?
    private let amqp: AMQPConfiguration
    private let store: JobStore
    private let artifacts: ArtifactStore
    private let topology: SluiceTopology
    private let prefetch: UInt16
    private let retryPolicy: RetryPolicy
    private let lease: Duration
    private let deliveryHold: Duration
    private let metrics: StageMetrics
    private let worker: String
    private let logger: Logger

    /// Creates the runner; ``run()`` connects and consumes.
    ///
    /// - Parameters:
    ///   - intake: turns submissions published by scripts into stage messages (the validator's). Default none.
    ///   - prefetch: messages worked on at once by this process. Default 4.
    ///   - retryPolicy: attempts per failure cause. Default ``RetryPolicy/init()``.
    ///   - lease: how long a claimed attempt stays this worker's without renewal; renewed
    ///     every third of it while the stage runs. Default 60 s.
    ///   - deliveryHold: how long a running stage keeps its message unacknowledged; keep it
    ///     under the broker's `consumer_timeout` (30 min by default). Default 15 min.
    ///   - metricsRegistry: where the stage's metrics (`sluice_messages_total`, …) go.
    ///     Default: the registry every service's `/metrics` serves.
    public init(
        stage: Stage,
        handler: any StageHandler,
        intake: (any MessageIntake)? = nil,
        amqp: AMQPConfiguration,
        store: JobStore,
        artifacts: ArtifactStore,
        topology: SluiceTopology = SluiceTopology(),
        prefetch: UInt16 = 4,
        retryPolicy: RetryPolicy = RetryPolicy(),
        lease: Duration = .seconds(60),
        deliveryHold: Duration = .seconds(900),
        metricsRegistry: PrometheusCollectorRegistry = PrometheusMetricsFactory.defaultRegistry,
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
        self.retryPolicy = retryPolicy
        self.lease = lease
        self.deliveryHold = deliveryHold
        self.metrics = StageMetrics(stage: stage, registry: metricsRegistry)
        self.worker = JobStore.WorkerProcess.this(stage: stage).worker
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
        // At most `prefetch` deliveries are unsettled at once, which bounds the tasks;
        // a stage that runs past its delivery hold no longer counts.
        await withDiscardingTaskGroup { group in
            for await delivery in consumer.deliveries.cancelOnGracefulShutdown() {
                group.addTask { await self.process(delivery, publisher: publisher) }
            }
        }
        await consumer.close()
        await publisher.close()
    }

    private func process(_ delivery: AMQPDelivery, publisher: AMQPPublisher) async {
        metrics.consumed.increment()
        var message: StageMessage
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
            metrics.deadLettered.increment()
            return
        }
        var logger = logger
        logger[metadataKey: "job_id"] = "\(message.jobID.uuidString.lowercased())"
        logger[metadataKey: "trace_id"] = "\(message.traceID)"
        let held = HeldDelivery(delivery, acked: metrics.acked)

        // The runner never hands a message back itself (it parks it in a retry tier), so
        // a redelivery means a worker died holding it. One that keeps killing its workers
        // fails its job here, before the queue's delivery limit drops it silently.
        let workerLosses = Int(delivery.previousDeliveries)
        if workerLosses > 0 { metrics.redelivered.increment() }
        if workerLosses >= min(retryPolicy.maxAttempts[.workerLost] ?? 3, topology.deliveryLimit) {
            let error = StageError(.workerLost, "the \(stage.rawValue) stage's worker was lost \(workerLosses) times working on this message")
            await fail(message, error, fenced: false, held: held, publisher: publisher, logger: logger)
            return
        }

        let config: PostgresJSON
        let owner: String
        do {
            switch try await store.beginAttempt(message, worker: worker, lease: lease) {
            case .unknownJob:
                logger.error("dead-lettering a message for an unknown job")
                try delivery.reject(requeue: false)
                metrics.deadLettered.increment()
                return
            case .alreadyPast(let status):
                logger.info("job is already \(status.rawValue); acknowledging the repeat")
                try held.ack()
                return
            case .alreadySucceeded:
                logger.info("this attempt already succeeded; handing the job on again")
                try await handOff(message, publisher: publisher, logger: logger)
                try held.ack()
                return
            case .superseded:
                logger.info("a later attempt carries this stage; acknowledging the old one")
                try held.ack()
                return
            case .run(let jobConfig, let attempt, let jobOwner):
                config = jobConfig
                owner = jobOwner
                message.attempt = attempt
                metrics.recordQueueWait(since: message.enqueuedAt)
            }
        } catch {
            logger.warning("could not claim the job; trying again after a delay", metadata: ["error": "\(error)"])
            await park(message, tier: 0, cause: StageError(classifying: error).cause, held: held, publisher: publisher, logger: logger)
            return
        }

        let result: StageResult
        let started = ContinuousClock.now
        metrics.attemptsInFlight.increment()
        do {
            result = try await runRenewingLease(StageJob(message: message, config: config, artifacts: artifacts, owner: owner, logger: logger), held: held)
            metrics.attemptsInFlight.decrement()
        } catch {
            metrics.attemptsInFlight.decrement()
            await retryOrFail(message, StageError(classifying: error), held: held, publisher: publisher, logger: logger)
            return
        }

        // The work is done: from here a failure brings the same message back after a
        // delay, which finds the attempt succeeded and only hands off again.
        do {
            try await store.completeAttempt(message, worker: worker, outcome: result.outcome, summary: stage.next == nil ? result.summary ?? .init(rawJSON: "{}") : nil)
            let serviceTime = ContinuousClock.now - started
            metrics.recordSuccess(serviceTime: serviceTime, records: result.outcome.recordsOut, device: result.outcome.device)
            logger.info("stage succeeded", metadata: [
                "stage.attempt": "\(message.attempt)", "stage.seconds": "\(serviceTime.components.seconds).\(String(format: "%03d", serviceTime.components.attoseconds / 1_000_000_000_000_000))",
                "stage.records": "\(result.outcome.recordsOut.map(String.init) ?? "-")", "stage.device": "\(result.outcome.device ?? "-")",
            ])
            try await handOff(message, publisher: publisher, logger: logger)
            if let reply = result.reply { await send(reply, for: message, publisher: publisher, logger: logger) }
            try held.ack()
        } catch let error as JobStore.AttemptTakenOver {
            // Presumed lost (its message went to another worker), this worker came back: the other's result stands.
            logger.warning("another worker took this attempt over; dropping this result", metadata: ["error": "\(error)"])
            try? held.ack()
        } catch {
            logger.warning("could not record or hand off a finished stage; trying again after a delay", metadata: ["error": "\(error)"])
            await park(message, tier: 0, cause: StageError(classifying: error).cause, held: held, publisher: publisher, logger: logger)
        }
    }

    /// Runs the handler while renewing the attempt's lease every third of it, so that
    /// "is the worker alive?" never depends on how long the stage takes; releases the
    /// delivery once the stage has run for the delivery hold.
    private func runRenewingLease(_ job: StageJob, held: HeldDelivery) async throws -> StageResult {
        let (store, handler, lease, deliveryHold, worker) = (store, handler, lease, deliveryHold, worker)
        return try await withThrowingTaskGroup(of: StageResult?.self) { group in
            group.addTask { try await handler.run(job) }
            group.addTask {
                try? await Task.sleep(for: deliveryHold)
                if !Task.isCancelled, (try? held.release()) == true {
                    job.logger.notice("the stage has run past the delivery hold; its message is acknowledged and its lease carries the job")
                }
                return nil
            }
            group.addTask {
                while !Task.isCancelled {
                    try? await Task.sleep(for: lease / 3)
                    if Task.isCancelled { break }
                    if try await store.renewLease(job.message, worker: worker, lease: lease) == false {
                        job.logger.warning("this attempt's lease was taken over; its result will be refused")
                    }
                }
                return nil
            }
            defer { group.cancelAll() }
            while let next = try await group.next() {
                if let result = next { return result }
            }
            throw CancellationError()
        }
    }

    /// A failed stage runs again as its next attempt through a retry tier, or, for
    /// invalid data and after the cause's last attempt, fails the job.
    private func retryOrFail(_ message: StageMessage, _ error: StageError, held: HeldDelivery, publisher: AMQPPublisher, logger: Logger) async {
        metrics.failures(error.cause).increment()
        guard !error.isPermanent, retryPolicy.retries(error.cause, after: message.attempt) else {
            await fail(message, error, held: held, publisher: publisher, logger: logger)
            return
        }
        let next = message.nextAttempt()
        let tier = min(message.attempt - 1, topology.retryDelays.count - 1)
        logger.warning("stage failed; retrying", metadata: [
            "error": "\(error)", "stage.attempt": "\(message.attempt)", "retry.delay": "\(topology.retryDelays[tier])",
        ])
        do {
            try await store.retryAttempt(message, worker: worker, cause: error.cause, error: error.message)
            metrics.attemptsRetried.increment()
        } catch let error as JobStore.AttemptTakenOver {
            logger.warning("another worker took this attempt over; leaving the retry to it", metadata: ["error": "\(error)"])
            try? held.ack()
            return
        } catch {
            logger.error("could not record the failed attempt; trying again after a delay", metadata: ["error": "\(error)"])
            await park(message, tier: 0, cause: StageError(classifying: error).cause, held: held, publisher: publisher, logger: logger)
            return
        }
        await park(next, tier: tier, cause: error.cause, handingOff: message, held: held, publisher: publisher, logger: logger)
    }

    /// Sends `message` through retry tier `tier` (back to this stage's queue after the
    /// tier's delay), records it as the hand-off of `attempt` when given, and
    /// acknowledges the delivery. If the broker will not take it, the delivery goes back
    /// to the queue instead; released early, it is no longer the broker's, and the
    /// stage's sweeper carries the job on (an overdue hand-off, or a lease run out).
    private func park(
        _ message: StageMessage, tier: Int, cause: FailureCause, handingOff attempt: StageMessage? = nil,
        held: HeldDelivery, publisher: AMQPPublisher, logger: Logger
    ) async {
        do {
            try await Self.patiently {
                try await publisher.publish(
                    message, exchange: topology.retryExchange, routingKey: topology.retryRoutingKey(stage, tier: tier),
                    headers: [MessageHeader.retryCause: .string(cause.rawValue)]
                )
            }
            metrics.retried.increment()
            if let attempt { await recordHandOff(of: attempt, logger: logger) }
            try held.ack()
        } catch {
            if (try? held.requeue()) == true {
                logger.error("could not park the message in a retry tier; it goes back to the queue", metadata: ["error": "\(error)"])
            } else {
                logger.error("could not park the message in a retry tier; the stage's sweeper carries the job on", metadata: ["error": "\(error)"])
            }
        }
    }

    /// Runs `publish` until it succeeds, for at most `brokerPatience`: for a few seconds while
    /// a RabbitMQ node fails, the broker refuses (nacks) messages for the queues it led and
    /// the publisher reconnects to another node. Handing the message back to its queue
    /// instead would count as one more delivery, as if a worker had died holding it.
    private static func patiently(_ publish: () async throws -> Void) async throws {
        let deadline = ContinuousClock.now + brokerPatience
        var delay = Duration.milliseconds(250)
        while true {
            do {
                return try await publish()
            } catch {
                guard ContinuousClock.now + delay < deadline, !Task.isCancelled else { throw error }
                try await Task.sleep(for: delay)
                delay = min(delay * 2, .seconds(4))
            }
        }
    }

    /// How long ``patiently(_:)`` keeps trying: longer than a quorum queue's leader election.
    static let brokerPatience = Duration.seconds(20)

    /// Publishes the next stage's message and records the hand-off.
    private func handOff(_ message: StageMessage, publisher: AMQPPublisher, logger: Logger) async throws {
        guard let next = stage.next else { return }
        try await publisher.publish(message.handOff(to: next), topology: topology)
        await recordHandOff(of: message, logger: logger)
    }

    /// Not fatal: an unrecorded hand-off is sent again by the sweeper, and the repeat is a no-op.
    private func recordHandOff(of attempt: StageMessage, logger: Logger) async {
        do {
            try await store.recordHandOff(of: attempt)
        } catch {
            logger.warning("could not record the hand-off; the sweeper may send it again", metadata: ["error": "\(error)"])
        }
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

    /// Fails the job with the cause; a message that exhausted its attempts goes to the
    /// dead-letter queue with the cause in its headers, for inspection and replay.
    ///
    /// `fenced`: the failure came from this worker's own run of the attempt, which may
    /// have been taken over meanwhile; then the other worker's outcome stands.
    private func fail(
        _ message: StageMessage, _ error: StageError, fenced: Bool = true, held: HeldDelivery, publisher: AMQPPublisher, logger: Logger
    ) async {
        logger.error("job failed", metadata: ["error": "\(error)", "stage.attempt": "\(message.attempt)"])
        do {
            try await store.failJob(message, worker: fenced ? worker : nil, cause: error.cause, error: error.message)
            metrics.failed.increment()
        } catch let error as JobStore.AttemptTakenOver {
            logger.warning("another worker took this attempt over; its outcome stands", metadata: ["error": "\(error)"])
            try? held.ack()
            return
        } catch {
            logger.error("could not record the failure; trying again after a delay", metadata: ["error": "\(error)"])
            await park(message, tier: 0, cause: StageError(classifying: error).cause, held: held, publisher: publisher, logger: logger)
            return
        }
        if !error.isPermanent {
            do {
                try await publisher.deadLetter(message, cause: error.cause, error: error.message, topology: topology)
                metrics.deadLettered.increment()
            } catch {
                logger.error("could not dead-letter the message; the job is failed all the same", metadata: ["error": "\(error)"])
            }
        }
        try? held.ack()
    }
}
