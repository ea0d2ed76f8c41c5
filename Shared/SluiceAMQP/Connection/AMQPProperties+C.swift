import CRabbitMQ
import Foundation

extension AMQPProperties {
    /// Copies rabbitmq-c's decoded properties into Swift.
    init(_ c: amqp_basic_properties_t) {
        func has(_ flag: Int32) -> Bool { c._flags & amqp_flags_t(flag) != 0 }
        self.init(
            contentType: has(AMQP_BASIC_CONTENT_TYPE_FLAG) ? c.content_type.string : nil,
            contentEncoding: has(AMQP_BASIC_CONTENT_ENCODING_FLAG) ? c.content_encoding.string : nil,
            headers: has(AMQP_BASIC_HEADERS_FLAG) ? [String: AMQPFieldValue](c.headers) : [:],
            persistent: has(AMQP_BASIC_DELIVERY_MODE_FLAG) && c.delivery_mode == 2,
            priority: has(AMQP_BASIC_PRIORITY_FLAG) ? c.priority : nil,
            correlationID: has(AMQP_BASIC_CORRELATION_ID_FLAG) ? c.correlation_id.string : nil,
            replyTo: has(AMQP_BASIC_REPLY_TO_FLAG) ? c.reply_to.string : nil,
            expiration: has(AMQP_BASIC_EXPIRATION_FLAG) ? c.expiration.string : nil,
            messageID: has(AMQP_BASIC_MESSAGE_ID_FLAG) ? c.message_id.string : nil,
            timestamp: has(AMQP_BASIC_TIMESTAMP_FLAG) ? Date(timeIntervalSince1970: TimeInterval(c.timestamp)) : nil,
            type: has(AMQP_BASIC_TYPE_FLAG) ? c.type.string : nil,
            userID: has(AMQP_BASIC_USER_ID_FLAG) ? c.user_id.string : nil,
            appID: has(AMQP_BASIC_APP_ID_FLAG) ? c.app_id.string : nil
        )
    }

    /// The rabbitmq-c form, with its memory in `arena`.
    func cProperties(in arena: CArena) -> amqp_basic_properties_t {
        var c = amqp_basic_properties_t()
        var flags: Int32 = AMQP_BASIC_DELIVERY_MODE_FLAG
        c.delivery_mode = persistent ? 2 : 1
        func set(_ value: String?, _ flag: Int32, _ field: WritableKeyPath<amqp_basic_properties_t, amqp_bytes_t>) {
            guard let value else { return }
            c[keyPath: field] = arena.bytes(value)
            flags |= flag
        }
        set(contentType, AMQP_BASIC_CONTENT_TYPE_FLAG, \.content_type)
        set(contentEncoding, AMQP_BASIC_CONTENT_ENCODING_FLAG, \.content_encoding)
        set(correlationID, AMQP_BASIC_CORRELATION_ID_FLAG, \.correlation_id)
        set(replyTo, AMQP_BASIC_REPLY_TO_FLAG, \.reply_to)
        set(expiration, AMQP_BASIC_EXPIRATION_FLAG, \.expiration)
        set(messageID, AMQP_BASIC_MESSAGE_ID_FLAG, \.message_id)
        set(type, AMQP_BASIC_TYPE_FLAG, \.type)
        set(userID, AMQP_BASIC_USER_ID_FLAG, \.user_id)
        set(appID, AMQP_BASIC_APP_ID_FLAG, \.app_id)
        if !headers.isEmpty {
            c.headers = arena.table(headers)
            flags |= AMQP_BASIC_HEADERS_FLAG
        }
        if let priority {
            c.priority = priority
            flags |= AMQP_BASIC_PRIORITY_FLAG
        }
        if let timestamp {
            c.timestamp = UInt64(max(0, timestamp.timeIntervalSince1970))
            flags |= AMQP_BASIC_TIMESTAMP_FLAG
        }
        c._flags = amqp_flags_t(flags)
        return c
    }
}
