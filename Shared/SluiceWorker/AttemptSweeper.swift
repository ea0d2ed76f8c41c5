import Logging
import Prometheus
import ServiceLifecycle
import SluiceAMQP
import SluiceContracts
import SluiceJobs

/// Carries on the work of a stage's workers that vanished. Every `interval`:
/// - attempts whose lease ran out (the worker froze, died after acknowledging its
///   message, or lost the database while its broker connection lived on) are abandoned
///   and their next attempt published, or, past the ``RetryPolicy``'s attempts for a
///   lost worker, failed with their job and dead-lettered;
/// - attempts that finished more than `handOffGrace` ago without a confirmed hand-off
///   (the worker died between its commit and its publish) are handed off.
///
/// Every replica of a stage runs one; they skip each other's rows.
final class AttemptSweeper: Service, Sendable {
    private let stage: Stage
    private let store: JobStore
    private let amqp: AMQPConfiguration
    private let topology: SluiceTopology
    private let retryPolicy: RetryPolicy
    private let interval: Duration
    private let handOffGrace: Duration
    private let metrics: StageMetrics
    private let logger: Logger

    init(
        stage: Stage, store: JobStore, amqp: AMQPConfiguration, topology: SluiceTopology, retryPolicy: RetryPolicy,
        interval: Duration, handOffGrace: Duration, metricsRegistry: PrometheusCollectorRegistry = PrometheusMetricsFactory.defaultRegistry, logger: Logger
    ) {
        self.stage = stage
        self.store = store
        self.amqp = amqp
        self.topology = topology
        self.retryPolicy = retryPolicy
        self.interval = interval
        self.handOffGrace = handOffGrace
        self.metrics = StageMetrics(stage: stage, registry: metricsRegistry)
        self.logger = logger
    }

    func run() async throws {
        let publisher = AMQPPublisher(configuration: amqp, topology: topology.amqp, logger: logger)
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            do {
                try await sweep(publisher: publisher)
            } catch {
                logger.warning("sweep failed; trying again next round", metadata: ["error": "\(error)"])
            }
            // A timer, not a wait for an event: the sweep is periodic by nature.
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: self.interval) }
        }
        await publisher.close()
    }

    private func sweep(publisher: AMQPPublisher) async throws {
        let maxAttempts = retryPolicy.maxAttempts[.workerLost] ?? 1
        for expired in try await store.expireLeases(of: stage, maxAttempts: maxAttempts) {
            switch expired {
            case .abandoned(let attempt, let successor):
                logger.warning("a lease ran out; queueing the next attempt", metadata: metadata(successor))
                try await handOff(attempt, successor, publisher: publisher)
            case .failed(let attempt, let error):
                logger.error("a lease ran out on the last attempt; the job failed", metadata: metadata(attempt))
                metrics.failed.increment()
                try await publisher.deadLetter(attempt, cause: .workerLost, error: error, topology: topology)
                metrics.deadLettered.increment()
            }
        }
        for owed in try await store.owedHandOffs(of: stage, finishedBefore: handOffGrace) {
            logger.warning("an attempt's hand-off is overdue; sending it", metadata: metadata(owed.successor))
            try await handOff(owed.attempt, owed.successor, publisher: publisher)
        }
    }

    /// Should the publish fail, the hand-off stays owed and a later round sends it.
    private func handOff(_ attempt: StageMessage, _ successor: StageMessage, publisher: AMQPPublisher) async throws {
        try await publisher.publish(successor, topology: topology)
        try await store.recordHandOff(of: attempt)
    }

    private func metadata(_ message: StageMessage) -> Logger.Metadata {
        ["job_id": "\(message.jobID.uuidString.lowercased())", "stage": "\(message.stage.rawValue)", "stage.attempt": "\(message.attempt)"]
    }
}
