/// The deliveries of an ``AMQPConsumer``, in the order the broker sent them.
///
/// Iterate it from one task. It ends after ``AMQPConsumer/stopConsuming()`` or
/// ``AMQPConsumer/close()``; deliveries the broker had already sent ahead (prefetch)
/// are then not handed out, and return to the queue when the connection closes.
public struct AMQPDeliverySequence: AsyncSequence, Sendable {
    public typealias Element = AMQPDelivery

    let stream: AsyncStream<AMQPDelivery>
    let ledger: DeliveryLedger

    public func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(base: stream.makeAsyncIterator(), ledger: ledger)
    }

    /// Iterates the deliveries.
    public struct AsyncIterator: AsyncIteratorProtocol {
        var base: AsyncStream<AMQPDelivery>.AsyncIterator
        let ledger: DeliveryLedger

        public mutating func next() async -> AMQPDelivery? {
            while let delivery = await base.next() {
                if ledger.take(generation: delivery.settler.generation) { return delivery }
            }
            return nil
        }
    }
}
