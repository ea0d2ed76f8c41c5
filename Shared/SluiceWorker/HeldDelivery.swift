import Prometheus
import SluiceAMQP
import Synchronization

/// A delivery the stage runner keeps unacknowledged while its stage runs, so that a
/// worker that dies gives it straight back to the broker for another worker. A stage
/// that runs past the delivery hold has it acknowledged early (``release()``), before
/// RabbitMQ's `consumer_timeout` would close the channel and hand the message to a
/// second worker; from then on the attempt's lease alone carries the job.
///
/// Settled once: after the first settlement every other is a no-op, since a second
/// ack of the same tag is a channel error.
final class HeldDelivery: Sendable {
    let delivery: AMQPDelivery
    private let settled = Mutex(false)
    /// Counts the acknowledgements (`sluice_messages_total{event="acked"}`).
    private let acked: Counter

    init(_ delivery: AMQPDelivery, acked: Counter) {
        self.delivery = delivery
        self.acked = acked
    }

    /// Acknowledges the delivery unless it is settled already (released early).
    func ack() throws {
        if try settleFirst({ try $0.ack() }) { acked.increment() }
    }

    /// Acknowledges the delivery early; true when this call did (it was still held).
    func release() throws -> Bool {
        let released = try settleFirst { try $0.ack() }
        if released { acked.increment() }
        return released
    }

    /// Gives the delivery back to the queue; false when it was acknowledged already,
    /// so the broker no longer has it to give to another worker.
    func requeue() throws -> Bool {
        try settleFirst { try $0.nack(requeue: true) }
    }

    private func settleFirst(_ settle: (AMQPDelivery) throws -> Void) throws -> Bool {
        let first = settled.withLock { wasSettled in
            defer { wasSettled = true }
            return !wasSettled
        }
        if first { try settle(delivery) }
        return first
    }
}
