import SluiceContracts

extension AMQPPublisher {
    /// Publishes `message` to its stage's queue (through the work exchange) and returns
    /// once the broker has confirmed it. The AMQP `message_id` is the message's
    /// ``StageMessage/messageID``, so consumers can recognise a repeat.
    public func publish(_ message: StageMessage, topology: SluiceTopology) async throws {
        try await publish(message, exchange: topology.workExchange, routingKey: topology.routingKey(message.stage))
    }

    /// Publishes `message` to `exchange` (a retry tier, the dead-letter exchange) with
    /// the stage message's properties and `headers` besides its `trace_id`.
    public func publish(
        _ message: StageMessage, exchange: String, routingKey: String, headers: [String: AMQPFieldValue] = [:]
    ) async throws {
        try await publish(
            try message.encoded(),
            exchange: exchange,
            routingKey: routingKey,
            properties: AMQPProperties(
                contentType: "application/json",
                headers: headers.merging([MessageHeader.traceID: .string(message.traceID)]) { $1 },
                messageID: message.messageID
            )
        )
    }
}
