import Foundation
import SluiceCore

/// One-off broker operations on a short-lived connection, run on a thread of their
/// own: declaring or deleting a topology, counting queues' messages and consumers.
public struct AMQPAdmin: Sendable {
    /// One thread for all admin calls in the process: they are rare and short.
    private static let thread = BlockingThread(name: "amqp-admin")
    private let configuration: AMQPConfiguration

    /// Creates an admin helper; it connects anew for each call.
    public init(configuration: AMQPConfiguration) {
        self.configuration = configuration
    }

    /// Declares `topology` (idempotent; fails if a queue exists with other arguments).
    public func declare(_ topology: AMQPTopology) async throws {
        try await withConnection { try $0.declare(topology) }
    }

    /// Deletes the queues and exchanges of `topology`, messages included.
    public func delete(_ topology: AMQPTopology) async throws {
        try await withConnection { try $0.delete(topology) }
    }

    /// The number of ready (not yet delivered) messages in `queue`.
    public func messageCount(queue: String) async throws -> Int {
        try await withConnection { try $0.messageCount(queue: queue) }
    }

    /// Each of `queues`' ready messages and consumers, asked on one connection.
    public func depths(of queues: [String]) async throws -> [QueueDepth] {
        try await withConnection { connection in try queues.map { try connection.depth(of: $0) } }
    }

    private func withConnection<T: Sendable>(_ body: @escaping @Sendable (AMQPConnection) throws -> T) async throws -> T {
        let configuration = configuration
        return try await Self.thread.run { try body(AMQPConnection.open(configuration).connection) }
    }
}

extension ReadinessCheck {
    /// "broker": the broker answers and has `queue` (see ``AMQPAdmin/messageCount(queue:)``).
    public static func broker(_ admin: AMQPAdmin, queue: String) -> ReadinessCheck {
        ReadinessCheck("broker") { _ = try await admin.messageCount(queue: queue) }
    }
}
