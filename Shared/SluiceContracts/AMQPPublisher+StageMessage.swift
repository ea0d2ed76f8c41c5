import SluiceAMQP

extension AMQPPublisher {
    /// Publishes `message` to its stage's queue (through the work exchange) and returns
    /// once the broker has confirmed it. The AMQP `message_id` is the message's
    /// ``StageMessage/messageID``, so consumers can recognise a repeat.
    public func publish(_ message: StageMessage, topology: SluiceTopology) async throws {
        try await publish(
            try message.encoded(),
            exchange: topology.workExchange,
            routingKey: topology.routingKey(message.stage),
            properties: AMQPProperties(
                contentType: "application/json",
                headers: ["trace_id": .string(message.traceID)],
                messageID: message.messageID
            )
        )
    }
}
