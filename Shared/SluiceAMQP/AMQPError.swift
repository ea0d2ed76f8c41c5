import SluiceCore

/// An error from the AMQP module: what failed, the broker's or rabbitmq-c's own words, and where.
public struct AMQPError: Error, Hashable, CustomStringConvertible {
    /// What kind of failure this is.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        fileprivate let name: String
        public var description: String { name }

        /// A URL or setting that cannot be used.
        public static let invalidConfiguration = Code(name: "invalidConfiguration")
        /// The TCP connection or the AMQP handshake failed.
        public static let connectionFailed = Code(name: "connectionFailed")
        /// An open connection went away (socket error, missed heartbeats, broker shutdown).
        public static let connectionLost = Code(name: "connectionLost")
        /// The broker closed the channel or connection (`replyCode` says why, e.g. 406 PRECONDITION_FAILED).
        public static let closedByBroker = Code(name: "closedByBroker")
        /// The broker refused a published message (basic.nack), e.g. a full queue with `reject-publish`.
        public static let publishNacked = Code(name: "publishNacked")
        /// A mandatory message could not be routed to any queue (basic.return).
        public static let publishReturned = Code(name: "publishReturned")
        /// An operation did not finish in time.
        public static let timeout = Code(name: "timeout")
        /// The publisher or consumer was closed.
        public static let shutDown = Code(name: "shutDown")
    }

    /// What kind of failure this is.
    public let code: Code
    /// A sentence for a person: rabbitmq-c's `amqp_error_string2` or the broker's reply text.
    public let message: String
    /// The AMQP reply code when the broker said why (312 NO_ROUTE, 404 NOT_FOUND, 406 PRECONDITION_FAILED…).
    public let replyCode: Int?

    /// Creates an error.
    public init(_ code: Code, _ message: String, replyCode: Int? = nil) {
        self.code = code
        self.message = message
        self.replyCode = replyCode
    }

    public var description: String {
        "AMQP \(code): \(message)" + (replyCode.map { " (reply code \($0))" } ?? "")
    }
}

extension AMQPError: SettingProblem {
    /// The message of an ``Code/invalidConfiguration`` error, which names the setting.
    public var settingProblem: String? { code == .invalidConfiguration ? message : nil }
}
