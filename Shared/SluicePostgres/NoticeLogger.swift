import CLibPQ
import Logging

/// Receives the server's notices (NOTICE, WARNING, and a FATAL that arrives while
/// the connection is idle) and logs them, instead of libpq printing them to stderr.
///
/// Owned by its ``PostgresConnection``, which outlives every callback libpq makes.
final class NoticeLogger {
    let logger: Logger

    init(logger: Logger) {
        self.logger = logger
    }

    /// Installs `self` as `handle`'s notice receiver.
    func install(on handle: OpaquePointer) {
        PQsetNoticeReceiver(
            handle,
            { context, result in
                guard let context, let result else { return }
                Unmanaged<NoticeLogger>.fromOpaque(context).takeUnretainedValue().receive(result)
            },
            Unmanaged.passUnretained(self).toOpaque()
        )
    }

    private func receive(_ result: OpaquePointer) {
        func field(_ code: Int32) -> String? { PQresultErrorField(result, code).map { String(cString: $0) } }
        let severity = field(DiagnosticField.severity) ?? "NOTICE"
        let level: Logger.Level = switch severity {
        case "WARNING": .warning
        case "FATAL", "PANIC": .notice
        default: .debug
        }
        logger.log(
            level: level,
            "\(field(DiagnosticField.messagePrimary) ?? "")",
            metadata: [
                "db.notice.severity": "\(severity)",
                "db.sqlstate": "\(field(DiagnosticField.sqlState) ?? "")",
            ]
        )
    }
}
