import Logging
import ServiceLifecycle
import SluiceAMQP
import SluiceContracts
import SluiceJobs

/// Hands on the work of a worker that stopped renewing its leases (frozen, or cut off
/// from the database while its broker connection lived on): every `interval` it
/// abandons its stage's attempts whose lease ran out and publishes their next attempt.
/// Every replica of a stage runs one; they skip each other's rows.
final class LeaseSweeper: Service, Sendable {
    private let stage: Stage
    private let store: JobStore
    private let amqp: AMQPConfiguration
    private let topology: SluiceTopology
    private let interval: Duration
    private let logger: Logger

    init(stage: Stage, store: JobStore, amqp: AMQPConfiguration, topology: SluiceTopology, interval: Duration, logger: Logger) {
        self.stage = stage
        self.store = store
        self.amqp = amqp
        self.topology = topology
        self.interval = interval
        self.logger = logger
    }

    func run() async throws {
        let publisher = AMQPPublisher(configuration: amqp, topology: topology.amqp, logger: logger)
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            do {
                for message in try await store.abandonExpiredAttempts(of: stage) {
                    logger.warning("a lease ran out; queueing the next attempt", metadata: [
                        "job_id": "\(message.jobID.uuidString.lowercased())", "stage.attempt": "\(message.attempt)",
                    ])
                    do {
                        try await publisher.publish(message, topology: topology)
                    } catch {
                        try await store.restoreAbandoned(message)
                        throw error
                    }
                }
            } catch {
                logger.warning("lease sweep failed; trying again next round", metadata: ["error": "\(error)"])
            }
            // A timer, not a wait for an event: the sweep is periodic by nature.
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: self.interval) }
        }
        await publisher.close()
    }
}
