import Foundation
import Hummingbird
import SluiceAMQP
import SluiceContracts

/// `GET /api/v1/queues`: every queue of the topology (each stage's, its retry tiers',
/// the dead-letter queue) with the broker's count of ready messages and consumers, asked
/// now. 503 when the broker cannot be reached.
struct QueueRoutes: Sendable {
    let admin: AMQPAdmin
    let topology: SluiceTopology

    func register(on router: Router<GatewayRequestContext>) {
        router.get("api/v1/queues") { _, _ in try await self.queues() }
    }

    func queues() async throws -> QueueList {
        let queues = QueueList.Queue.all(in: topology)
        let depths: [QueueDepth]
        do {
            depths = try await admin.depths(of: queues.map(\.name))
        } catch let error as AMQPError {
            throw GatewayError.unavailable("the broker cannot be reached now (\(error)); try again")
        }
        return QueueList(
            queues: zip(queues, depths).map { queue, depth in queue.with(depth) },
            checkedAt: Date()
        )
    }
}

/// The body of `GET /api/v1/queues`.
struct QueueList: ResponseEncodable {
    /// One queue: what it is for and, once asked, its depth.
    struct Queue: Encodable {
        /// `stage` (a stage's work queue), `retry` (a retry tier's) or `dead_letter`.
        let kind: String
        let name: String
        let stage: Stage?
        /// A retry tier's delay.
        let delaySeconds: Double?
        var ready = 0
        var consumers = 0

        enum CodingKeys: String, CodingKey { case kind, name, stage, delaySeconds = "delay_seconds", ready, consumers }

        /// The topology's queues in pipeline order: each stage's queue then its retry tiers, the dead letters last.
        static func all(in topology: SluiceTopology) -> [Queue] {
            Stage.allCases.flatMap { stage in
                [Queue(kind: "stage", name: topology.queue(stage), stage: stage, delaySeconds: nil)]
                    + topology.retryDelays.indices.map { tier in
                        Queue(kind: "retry", name: topology.retryQueue(stage, tier: tier), stage: stage, delaySeconds: topology.retryDelays[tier].seconds)
                    }
            } + [Queue(kind: "dead_letter", name: topology.deadLetterQueue, stage: nil, delaySeconds: nil)]
        }

        func with(_ depth: QueueDepth) -> Queue {
            var queue = self
            queue.ready = depth.ready
            queue.consumers = depth.consumers
            return queue
        }
    }

    let queues: [Queue]
    let checkedAt: Date

    enum CodingKeys: String, CodingKey { case queues, checkedAt = "checked_at" }
}
