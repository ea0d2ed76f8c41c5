import Foundation
import Logging
import SluiceAMQP
import SluiceContracts

/// The real broker the test setup started (`infra/stack.sh`), found through SLUICE_AMQP_URL.
public enum TestBroker {
    public static let logger = Logger(label: "sluice.test.amqp")

    public static func configuration() throws -> AMQPConfiguration {
        var configuration = try AMQPConfiguration()
        configuration.connectionName = "sluice-tests"
        configuration.reconnectBackoff = .init(initial: .milliseconds(100), maximum: .seconds(1))
        return configuration
    }

    /// Runs `body` with a topology of its own (unique names, one short retry tier of
    /// `retryDelay`, small delivery limit) and deletes it afterwards, also when `body` throws.
    public static func withTopology<T: Sendable>(
        retryDelay: Duration = .milliseconds(400),
        _ body: @Sendable (SluiceTopology) async throws -> T
    ) async throws -> T {
        let topology = SluiceTopology(
            prefix: "test-\(UUID().uuidString.prefix(8).lowercased())",
            retryDelays: [retryDelay],
            deliveryLimit: 2
        )
        let admin = AMQPAdmin(configuration: try configuration())
        try await admin.declare(topology.amqp)
        do {
            let result = try await body(topology)
            try await admin.delete(topology.amqp)
            return result
        } catch {
            try? await admin.delete(topology.amqp)
            throw error
        }
    }
}
