import SluiceContracts

extension SluiceTopology {
    /// The topology as the transport declares it: every exchange, queue and binding.
    public var amqp: AMQPTopology {
        var topology = AMQPTopology(exchanges: [
            .init(name: submitExchange, kind: .fanout),
            .init(name: workExchange, kind: .direct),
            .init(name: retryExchange, kind: .direct),
            .init(name: deadLetterExchange, kind: .fanout),
        ])
        topology.queues.append(.quorum(deadLetterQueue))
        topology.bindings.append(.init(queue: deadLetterQueue, exchange: deadLetterExchange))
        for stage in Stage.allCases {
            topology.queues.append(.quorum(queue(stage), deliveryLimit: deliveryLimit, deadLetterExchange: deadLetterExchange))
            topology.bindings.append(.init(queue: queue(stage), exchange: workExchange, routingKey: routingKey(stage)))
            for tier in retryDelays.indices {
                topology.queues.append(.quorum(
                    retryQueue(stage, tier: tier),
                    deadLetterExchange: workExchange,
                    deadLetterRoutingKey: routingKey(stage),
                    messageTTL: retryDelays[tier]
                ))
                topology.bindings.append(.init(
                    queue: retryQueue(stage, tier: tier), exchange: retryExchange,
                    routingKey: retryRoutingKey(stage, tier: tier)
                ))
            }
        }
        topology.bindings.append(.init(queue: queue(.validate), exchange: submitExchange))
        return topology
    }
}
