import Foundation

/// The properties of an AMQP message (basic.properties). Unset fields are `nil`.
public struct AMQPProperties: Sendable, Hashable {
    /// MIME type of the body, e.g. `application/json`.
    public var contentType: String?
    /// Encoding of the body, e.g. `gzip`.
    public var contentEncoding: String?
    /// Application headers.
    public var headers: [String: AMQPFieldValue]
    /// Whether the broker writes the message to disk (delivery mode 2). Default `true`.
    public var persistent: Bool
    /// Message priority, 0–9.
    public var priority: UInt8?
    /// Ties a reply to its request.
    public var correlationID: String?
    /// Queue to send a reply to.
    public var replyTo: String?
    /// Per-message TTL in milliseconds, as a decimal string.
    public var expiration: String?
    /// Application message identifier; Sluice uses one per job and stage attempt.
    public var messageID: String?
    /// When the message was created (whole seconds).
    public var timestamp: Date?
    /// Application message type name.
    public var type: String?
    /// Creating user; the broker checks it against the connection's user.
    public var userID: String?
    /// Creating application.
    public var appID: String?

    /// Creates properties; messages are persistent unless told otherwise.
    public init(
        contentType: String? = nil,
        contentEncoding: String? = nil,
        headers: [String: AMQPFieldValue] = [:],
        persistent: Bool = true,
        priority: UInt8? = nil,
        correlationID: String? = nil,
        replyTo: String? = nil,
        expiration: String? = nil,
        messageID: String? = nil,
        timestamp: Date? = nil,
        type: String? = nil,
        userID: String? = nil,
        appID: String? = nil
    ) {
        self.contentType = contentType
        self.contentEncoding = contentEncoding
        self.headers = headers
        self.persistent = persistent
        self.priority = priority
        self.correlationID = correlationID
        self.replyTo = replyTo
        self.expiration = expiration
        self.messageID = messageID
        self.timestamp = timestamp
        self.type = type
        self.userID = userID
        self.appID = appID
    }
}
