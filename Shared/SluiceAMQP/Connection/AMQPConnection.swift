import CAMQPShim
import CRabbitMQ
import Foundation
import SluiceCore

/// One rabbitmq-c connection with one channel. Not thread-safe by design: the
/// publisher or consumer thread that creates it is the only one that ever calls it
/// (rabbitmq-c's threading rule), and it is destroyed on that thread too.
final class AMQPConnection {
    /// Something the broker sent that was not a reply to a call we made.
    enum Event {
        case ack(deliveryTag: UInt64, multiple: Bool)
        case nack(deliveryTag: UInt64, multiple: Bool)
        case returned(replyCode: Int, replyText: String, properties: AMQPProperties)
        case consumerCancelled(consumerTag: String)
        case blocked(reason: String)
        case unblocked
        case ignored
    }

    let channel: amqp_channel_t = 1
    private let state: amqp_connection_state_t
    /// Set once a call failed at the socket or protocol level: the state is then
    /// unusable and is destroyed without a closing handshake (rabbitmq-c #400).
    private(set) var isBroken = false
    /// Set once the connection is up, so that only those are counted as closed.
    private var isOpen = false

    /// Connects to `endpoint`, one of `configuration`'s nodes, logs in and opens the channel.
    init(configuration: AMQPConfiguration, endpoint: AMQPEndpoint) throws {
        guard let state = amqp_new_connection() else {
            throw AMQPError(.connectionFailed, "rabbitmq-c could not allocate a connection")
        }
        self.state = state
        guard let socket = amqp_tcp_socket_new(state) else {
            isBroken = true
            throw AMQPError(.connectionFailed, "rabbitmq-c could not create a socket")
        }
        var connectTimeout = timeval(configuration.connectTimeout)
        let opened = amqp_socket_open_noblock(socket, endpoint.host, Int32(endpoint.port), &connectTimeout)
        guard opened == AMQP_STATUS_OK.rawValue else {
            isBroken = true
            throw AMQPError(.connectionFailed, "connecting to \(endpoint): \(errorString(opened))")
        }
        amqp_set_handshake_timeout(state, &connectTimeout)
        var rpcTimeout = timeval(configuration.rpcTimeout)
        amqp_set_rpc_timeout(state, &rpcTimeout)

        let heartbeat = Int32(configuration.heartbeat.components.seconds)
        let login = sluice_amqp_login(
            state, configuration.virtualHost, 1, Int32(configuration.frameMax), heartbeat,
            configuration.user, configuration.password, configuration.connectionName
        )
        try check(login, "logging in to vhost '\(configuration.virtualHost)' as '\(configuration.user)'", failure: .connectionFailed)
        amqp_channel_open(state, channel)
        try check(amqp_get_rpc_reply(state), "opening a channel", failure: .connectionFailed)
        isOpen = true
    }

    deinit {
        if !isBroken {
            // Channel first: the broker answers channel.close only after handling every
            // frame sent before it (acks included), so nothing settled is handed back.
            amqp_channel_close(state, channel, AMQP_REPLY_SUCCESS)
            amqp_connection_close(state, AMQP_REPLY_SUCCESS)
        }
        amqp_destroy_connection(state)
        if isOpen { ConnectionObservation.observer?.connectionClosed(.broker) }
    }

    // MARK: Synchronous methods

    func declare(_ topology: AMQPTopology) throws {
        let arena = CArena()
        for exchange in topology.exchanges {
            amqp_exchange_declare(
                state, channel, arena.bytes(exchange.name), arena.bytes(exchange.kind.rawValue),
                0, exchange.durable ? 1 : 0, 0, 0, amqp_empty_table
            )
            try check(amqp_get_rpc_reply(state), "declaring exchange '\(exchange.name)'")
        }
        for queue in topology.queues {
            amqp_queue_declare(
                state, channel, arena.bytes(queue.name), 0, queue.durable ? 1 : 0, 0,
                queue.autoDelete ? 1 : 0, arena.table(queue.arguments)
            )
            try check(amqp_get_rpc_reply(state), "declaring queue '\(queue.name)'")
        }
        for binding in topology.bindings {
            amqp_queue_bind(
                state, channel, arena.bytes(binding.queue), arena.bytes(binding.exchange),
                arena.bytes(binding.routingKey), amqp_empty_table
            )
            try check(amqp_get_rpc_reply(state), "binding '\(binding.queue)' to '\(binding.exchange)'")
        }
    }

    /// Deletes the queues and exchanges of `topology` (for tests and tear-down tools).
    func delete(_ topology: AMQPTopology) throws {
        let arena = CArena()
        for queue in topology.queues {
            amqp_queue_delete(state, channel, arena.bytes(queue.name), 0, 0)
            try check(amqp_get_rpc_reply(state), "deleting queue '\(queue.name)'")
        }
        for exchange in topology.exchanges {
            var method = amqp_exchange_delete_t(ticket: 0, exchange: arena.bytes(exchange.name), if_unused: 0, nowait: 0)
            var replies: [amqp_method_number_t] = [AMQP_EXCHANGE_DELETE_OK_METHOD, 0]
            let reply = amqp_simple_rpc(state, channel, AMQP_EXCHANGE_DELETE_METHOD, &replies, &method)
            try check(reply, "deleting exchange '\(exchange.name)'")
        }
    }

    /// Ready messages in `queue` (a passive declare: fails if the queue does not exist).
    func messageCount(queue: String) throws -> Int {
        try depth(of: queue).ready
    }

    /// `queue`'s ready messages and consumers (a passive declare: fails if the queue does not exist).
    func depth(of queue: String) throws -> QueueDepth {
        let arena = CArena()
        let ok = amqp_queue_declare(state, channel, arena.bytes(queue), 1, 0, 0, 0, amqp_empty_table)
        try check(amqp_get_rpc_reply(state), "inspecting queue '\(queue)'")
        return QueueDepth(queue: queue, ready: Int(ok?.pointee.message_count ?? 0), consumers: Int(ok?.pointee.consumer_count ?? 0))
    }

    func enablePublisherConfirms() throws {
        amqp_confirm_select(state, channel)
        try check(amqp_get_rpc_reply(state), "enabling publisher confirms")
    }

    func consume(queue: String, prefetch: UInt16, consumerTag: String) throws {
        let arena = CArena()
        // Per-consumer prefetch: global=1 is an error on quorum queues.
        amqp_basic_qos(state, channel, 0, prefetch, 0)
        try check(amqp_get_rpc_reply(state), "setting prefetch \(prefetch)")
        amqp_basic_consume(state, channel, arena.bytes(queue), arena.bytes(consumerTag), 0, 0, 0, amqp_empty_table)
        try check(amqp_get_rpc_reply(state), "consuming from '\(queue)'")
    }

    func cancel(consumerTag: String) throws {
        let arena = CArena()
        amqp_basic_cancel(state, channel, arena.bytes(consumerTag))
        try check(amqp_get_rpc_reply(state), "cancelling consumer '\(consumerTag)'")
    }

    // MARK: Asynchronous methods (no reply)

    func publish(body: [UInt8], exchange: String, routingKey: String, mandatory: Bool, properties: AMQPProperties) throws {
        let arena = CArena()
        var cProperties = properties.cProperties(in: arena)
        let status = amqp_basic_publish(
            state, channel, arena.bytes(exchange), arena.bytes(routingKey), mandatory ? 1 : 0, 0,
            &cProperties, arena.bytes(body)
        )
        try checkStatus(status, "publishing to '\(exchange)'")
    }

    func ack(_ deliveryTag: UInt64) throws {
        try checkStatus(amqp_basic_ack(state, channel, deliveryTag, 0), "acking delivery \(deliveryTag)")
    }

    func nack(_ deliveryTag: UInt64, requeue: Bool) throws {
        try checkStatus(amqp_basic_nack(state, channel, deliveryTag, 0, requeue ? 1 : 0), "nacking delivery \(deliveryTag)")
    }

    func reject(_ deliveryTag: UInt64, requeue: Bool) throws {
        try checkStatus(amqp_basic_reject(state, channel, deliveryTag, requeue ? 1 : 0), "rejecting delivery \(deliveryTag)")
    }

    // MARK: Reading

    /// Waits until the broker has sent something or `wakeFD` is signalled, at most `timeout`.
    /// Returns at once when rabbitmq-c already holds unread data, which `poll` cannot see.
    func waitForInput(orWake wakeFD: Int32, timeout: Duration) {
        if amqp_data_in_buffer(state) != 0 || amqp_frames_enqueued(state) != 0 { return }
        var fds = [
            pollfd(fd: amqp_get_sockfd(state), events: Int16(POLLIN), revents: 0),
            pollfd(fd: wakeFD, events: Int16(POLLIN), revents: 0),
        ]
        _ = poll(&fds, 2, Int32(timeout.components.seconds * 1000 + timeout.components.attoseconds / 1_000_000_000_000_000))
    }

    /// The next broker-initiated method, or `nil` when none is waiting. Also the call
    /// that services heartbeats, so it must be made regularly.
    func nextEvent() throws -> Event? {
        amqp_maybe_release_buffers(state)
        var frame = amqp_frame_t()
        var immediately = timeval(tv_sec: 0, tv_usec: 0)
        let status = amqp_simple_wait_frame_noblock(state, &frame, &immediately)
        if status == AMQP_STATUS_TIMEOUT.rawValue { return nil }
        try checkStatus(status, "reading from the broker")
        guard frame.frame_type == UInt8(AMQP_FRAME_METHOD) else { return .ignored }
        let method = frame.payload.method
        switch method.id {
        case AMQP_BASIC_ACK_METHOD:
            let ack = method.decoded.assumingMemoryBound(to: amqp_basic_ack_t.self).pointee
            return .ack(deliveryTag: ack.delivery_tag, multiple: ack.multiple != 0)
        case AMQP_BASIC_NACK_METHOD:
            let nack = method.decoded.assumingMemoryBound(to: amqp_basic_nack_t.self).pointee
            return .nack(deliveryTag: nack.delivery_tag, multiple: nack.multiple != 0)
        case AMQP_BASIC_RETURN_METHOD:
            let returned = method.decoded.assumingMemoryBound(to: amqp_basic_return_t.self).pointee
            let replyText = returned.reply_text.string
            var message = amqp_message_t()
            try check(amqp_read_message(state, frame.channel, &message, 0), "reading a returned message")
            defer { amqp_destroy_message(&message) }
            return .returned(replyCode: Int(returned.reply_code), replyText: replyText, properties: AMQPProperties(message.properties))
        case AMQP_BASIC_CANCEL_METHOD:
            let cancel = method.decoded.assumingMemoryBound(to: amqp_basic_cancel_t.self).pointee
            return .consumerCancelled(consumerTag: cancel.consumer_tag.string)
        case AMQP_CONNECTION_BLOCKED_METHOD:
            let blocked = method.decoded.assumingMemoryBound(to: amqp_connection_blocked_t.self).pointee
            return .blocked(reason: blocked.reason.string)
        case AMQP_CONNECTION_UNBLOCKED_METHOD:
            return .unblocked
        case AMQP_CHANNEL_CLOSE_METHOD, AMQP_CONNECTION_CLOSE_METHOD:
            throw closedByBroker(method, context: "while reading")
        default:
            return .ignored
        }
    }

    /// The next delivery, or `nil` when none is waiting (or something else arrived:
    /// ``nextEvent()`` then reads it).
    func nextDelivery() throws -> (envelope: DeliveredEnvelope?, otherFrameWaiting: Bool) {
        amqp_maybe_release_buffers(state)
        var envelope = amqp_envelope_t()
        var immediately = timeval(tv_sec: 0, tv_usec: 0)
        let reply = amqp_consume_message(state, &envelope, &immediately, 0)
        switch reply.reply_type {
        case AMQP_RESPONSE_NORMAL:
            defer { amqp_destroy_envelope(&envelope) }
            return (DeliveredEnvelope(envelope), false)
        case AMQP_RESPONSE_LIBRARY_EXCEPTION where reply.library_error == AMQP_STATUS_TIMEOUT.rawValue:
            return (nil, false)
        case AMQP_RESPONSE_LIBRARY_EXCEPTION where reply.library_error == AMQP_STATUS_UNEXPECTED_STATE.rawValue:
            return (nil, true)
        default:
            try check(reply, "consuming")
            return (nil, false)
        }
    }

    // MARK: Errors

    private func checkStatus(_ status: Int32, _ context: String) throws {
        guard status != AMQP_STATUS_OK.rawValue else { return }
        isBroken = true
        let code: AMQPError.Code = status == AMQP_STATUS_TIMEOUT.rawValue ? .timeout : .connectionLost
        throw AMQPError(code, "\(context): \(errorString(status))")
    }

    private func check(_ reply: amqp_rpc_reply_t, _ context: String, failure: AMQPError.Code = .connectionLost) throws {
        switch reply.reply_type {
        case AMQP_RESPONSE_NORMAL:
            return
        case AMQP_RESPONSE_SERVER_EXCEPTION:
            throw closedByBroker(reply.reply, context: context)
        case AMQP_RESPONSE_LIBRARY_EXCEPTION:
            isBroken = true
            let code: AMQPError.Code = reply.library_error == AMQP_STATUS_TIMEOUT.rawValue ? .timeout : failure
            throw AMQPError(code, "\(context): \(errorString(reply.library_error))")
        default:
            isBroken = true
            throw AMQPError(failure, "\(context): no reply from the broker")
        }
    }

    /// Answers the broker's close (so it can free the channel) and describes why it closed.
    /// Either way this connection is done: the owner reconnects and redeclares.
    private func closedByBroker(_ method: amqp_method_t, context: String) -> AMQPError {
        isBroken = true
        switch method.id {
        case AMQP_CONNECTION_CLOSE_METHOD:
            let close = method.decoded.assumingMemoryBound(to: amqp_connection_close_t.self).pointee
            var ok = amqp_connection_close_ok_t(dummy: 0)
            amqp_send_method(state, 0, AMQP_CONNECTION_CLOSE_OK_METHOD, &ok)
            return AMQPError(.closedByBroker, "\(context): connection closed by the broker: \(close.reply_text.string)", replyCode: Int(close.reply_code))
        case AMQP_CHANNEL_CLOSE_METHOD:
            let close = method.decoded.assumingMemoryBound(to: amqp_channel_close_t.self).pointee
            var ok = amqp_channel_close_ok_t(dummy: 0)
            amqp_send_method(state, channel, AMQP_CHANNEL_CLOSE_OK_METHOD, &ok)
            return AMQPError(.closedByBroker, "\(context): channel closed by the broker: \(close.reply_text.string)", replyCode: Int(close.reply_code))
        default:
            return AMQPError(.closedByBroker, "\(context): unexpected method \(method.id) from the broker")
        }
    }
}

/// A delivery copied out of rabbitmq-c's envelope before the envelope is freed.
struct DeliveredEnvelope {
    let deliveryTag: UInt64
    let redelivered: Bool
    let exchange: String
    let routingKey: String
    let consumerTag: String
    let properties: AMQPProperties
    let body: [UInt8]

    init(_ envelope: amqp_envelope_t) {
        deliveryTag = envelope.delivery_tag
        redelivered = envelope.redelivered != 0
        exchange = envelope.exchange.string
        routingKey = envelope.routing_key.string
        consumerTag = envelope.consumer_tag.string
        properties = AMQPProperties(envelope.message.properties)
        body = envelope.message.body.array
    }
}

private func errorString(_ status: Int32) -> String {
    String(cString: amqp_error_string2(status))
}

extension timeval {
    init(_ duration: Duration) {
        let (seconds, attoseconds) = duration.components
        self.init(tv_sec: Int(seconds), tv_usec: Int(attoseconds / 1_000_000_000_000))
    }
}
