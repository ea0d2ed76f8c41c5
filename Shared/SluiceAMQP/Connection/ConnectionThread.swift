import Foundation
import Logging
import SluiceCore

/// The part of a publisher's or consumer's thread that (re)connects: it opens a
/// connection, lets the owner set it up (declare topology, confirm mode, consume),
/// and on failure waits out a jittered backoff, waking early for commands.
struct Reconnector {
    let configuration: AMQPConfiguration
    let logger: Logger
    private var failures = 0
    private var nextAttempt = ContinuousClock.now
    /// The last reason a connect failed, to explain timeouts to callers.
    private(set) var lastError: AMQPError?
    /// The broker node tried first: the one last reached, at first a random one, so
    /// that the processes of a deployment spread their connections over a cluster.
    private var preferredNode: Int

    init(configuration: AMQPConfiguration, logger: Logger) {
        self.configuration = configuration
        self.logger = logger
        self.preferredNode = Int.random(in: configuration.endpoints.indices)
    }

    /// How long to sleep before the next attempt is due (zero when it is due now).
    var waitBeforeNextAttempt: Duration { max(.zero, nextAttempt - .now) }

    /// Tries once; returns the set-up connection or `nil` (and schedules the next try).
    mutating func connect(setUp: (AMQPConnection) throws -> Void) -> AMQPConnection? {
        do {
            let (connection, node) = try AMQPConnection.open(configuration, preferred: preferredNode)
            do {
                try setUp(connection)
            } catch {
                preferredNode = (node + 1) % configuration.endpoints.count // a node that cannot serve: try the next first
                throw error
            }
            if failures > 0 || node != preferredNode {
                logger.info("reconnected to the broker", metadata: [
                    "amqp.attempts": "\(failures + 1)", "amqp.node": "\(configuration.endpoints[node])",
                ])
            }
            preferredNode = node
            failures = 0
            lastError = nil
            return connection
        } catch {
            let amqpError = error as? AMQPError ?? AMQPError(.connectionFailed, "\(error)")
            let delay = configuration.reconnectBackoff.delay(forAttempt: failures)
            // Every attempt at debug level, but only the first and every tenth as a warning.
            logger.log(level: failures % 10 == 0 ? .warning : .debug, "cannot reach the broker; retrying", metadata: [
                "amqp.error": "\(amqpError)", "amqp.retry_in_s": "\(delay.seconds)", "amqp.broker": "\(configuration)",
            ])
            failures += 1
            lastError = amqpError
            nextAttempt = .now + delay
            return nil
        }
    }

    /// Records that an open connection was lost, so the next attempt waits a little.
    mutating func connectionLost(_ error: Error) {
        logger.warning("lost the broker connection", metadata: ["amqp.error": "\(error)"])
        ConnectionObservation.observer?.connectionLost(.broker)
        lastError = error as? AMQPError
        nextAttempt = .now + configuration.reconnectBackoff.delay(forAttempt: 0)
    }
}

/// Starts a named OS thread running `body`, and lets callers wait for it to end.
final class OwnedThread: Sendable {
    private let finished = DispatchSemaphore(value: 0)

    init(name: String, _ body: @escaping @Sendable () -> Void) {
        let finished = self.finished
        Thread {
            nameCurrentThread(name)
            body()
            finished.signal()
        }.start()
    }

    /// Waits for the thread to end without blocking a cooperative-pool thread.
    func join() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            DispatchQueue.global().async {
                self.finished.wait()
                self.finished.signal()
                continuation.resume()
            }
        }
    }
}
