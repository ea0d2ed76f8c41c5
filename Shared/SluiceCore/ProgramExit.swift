import Foundation

/// How Sluice's programs end when an error stops them: one line on standard error
/// (`validator: SLUICE_PREFETCH='lots' is not a whole number from 1 to 1000`) and an
/// exit status from sysexits.h where one fits, never Swift's "Error raised at top
/// level" with a backtrace. The README lists the statuses.
public enum ProgramExit {
    /// Anything else that stopped the program.
    public static let failure: Int32 = 1
    /// EX_USAGE: a bad command line.
    public static let usage: Int32 = 64
    /// EX_NOINPUT: an input file that does not exist or cannot be read.
    public static let noInput: Int32 = 66
    /// EX_UNAVAILABLE: a server that cannot be reached.
    public static let unavailable: Int32 = 69
    /// EX_PROTOCOL: an answer that is not the one the program talks to.
    public static let protocolError: Int32 = 76
    /// EX_CONFIG: a setting that cannot be used.
    public static let configuration: Int32 = 78

    /// Runs a service's `main`; an error it throws ends the process with `program: line`
    /// and ``status(of:)``.
    public static func run(_ program: String, _ body: @Sendable () async throws -> Void) async {
        do {
            try await body()
        } catch {
            FileHandle.standardError.write(Data("\(program): \(line(for: error))\n".utf8))
            exit(status(of: error))
        }
    }

    /// ``configuration`` for a ``SettingProblem`` about a setting, else ``failure``.
    public static func status(of error: any Error) -> Int32 {
        (error as? any SettingProblem)?.settingProblem == nil ? failure : configuration
    }

    /// What `error` says, on one line: a setting's problem, or its description with line
    /// breaks (libpq's messages have them) folded into spaces.
    public static func line(for error: any Error) -> String {
        let text = (error as? any SettingProblem)?.settingProblem ?? String(describing: error)
        return text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            .joined(separator: " ")
    }
}
