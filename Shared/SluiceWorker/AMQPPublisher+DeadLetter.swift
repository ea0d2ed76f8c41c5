import SluiceAMQP
import SluiceContracts

extension AMQPPublisher {
    /// Sends the stage message of a job that failed after its last attempt to the
    /// dead-letter queue, with the stage, the cause, the error and the attempts in
    /// `x-sluice-*` headers (what `sluice dlq list` shows).
    func deadLetter(_ message: StageMessage, cause: FailureCause, error: String, topology: SluiceTopology) async throws {
        try await publish(message, exchange: topology.deadLetterExchange, routingKey: topology.routingKey(message.stage), headers: [
            MessageHeader.stage: .string(message.stage.rawValue), MessageHeader.cause: .string(cause.rawValue),
            MessageHeader.error: .string(error), MessageHeader.attempts: .int(Int64(message.attempt)),
        ])
    }
}
