import ArgumentParser
import Foundation
import SluiceAMQP
import SluiceClient
import SluiceCore
import SluicePostgres

extension Sluice {
    /// Runs the command line, and ends the process with the status ``execute(_:report:)`` gives.
    static func main() async {
        Foundation.exit(await execute(Array(CommandLine.arguments.dropFirst())))
    }

    /// Parses and runs `arguments` as `sluice` does; returns the exit status. Help and
    /// `--version` go to standard output; every failure is one or two lines given to
    /// `report` (standard error), never a crash report. The statuses are listed in
    /// ``configuration``'s discussion and in the README.
    static func execute(_ arguments: [String], report: (String) -> Void = Self.standardError) async -> Int32 {
        if let line = CommandSuggestion.unknownCommand(in: arguments, root: Sluice.self) {
            report("sluice: \(line)")
            return ProgramExit.usage
        }
        var command: any ParsableCommand
        do {
            command = try parseAsRoot(arguments)
        } catch {
            let status = exitCode(for: error)
            if status == .success { print(fullMessage(for: error)) } else { report(fullMessage(for: error)) }
            return status.rawValue
        }
        do {
            if var asynchronous = command as? any AsyncParsableCommand {
                try await asynchronous.run()
            } else {
                try command.run()
            }
            return 0
        } catch {
            let (status, line) = failure(error)
            if let line { report(line) }
            return status
        }
    }

    /// The exit status for an error a command threw, and the line that says it (nil when
    /// the command already said it: ``ExitCode``).
    static func failure(_ error: any Error) -> (status: Int32, line: String?) {
        switch error {
        case let exit as ExitCode:
            return (exit.rawValue, nil)
        case let failure as CommandFailure:
            return (failure.status, "sluice: \(failure.description)")
        case let failure as GatewayClientError:
            let status = switch failure.kind {
            case .unreachable: ProgramExit.unavailable
            case .notTheGateway: ProgramExit.protocolError
            case .refused: ProgramExit.failure
            }
            return (status, "sluice: \(failure.description)")
        case let failure as PostgresError where failure.code == .connectionFailed:
            return (ProgramExit.unavailable, "sluice: cannot reach the database: \(ProgramExit.line(for: failure))\ncheck SLUICE_DATABASE_URL")
        case let failure as AMQPError where failure.code == .connectionFailed:
            return (ProgramExit.unavailable, "sluice: cannot reach the broker: \(ProgramExit.line(for: failure))\ncheck SLUICE_AMQP_URL")
        case _ where error is ValidationError || error is CleanExit || String(reflecting: type(of: error)).hasPrefix("ArgumentParser."):
            // Help asked for after parsing (`sluice bench --help` parses into a help command) and bad
            // arguments found while running: ArgumentParser's own text and status; help goes to standard output.
            let status = exitCode(for: error)
            guard status != .success else {
                print(fullMessage(for: error))
                return (0, nil)
            }
            return (status.rawValue, fullMessage(for: error))
        default:
            return (ProgramExit.status(of: error), "sluice: \(ProgramExit.line(for: error))")
        }
    }

    static func standardError(_ line: String) {
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }
}
