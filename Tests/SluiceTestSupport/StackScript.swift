import Foundation
import SluiceCore

/// The repository's root folder, for the scripts under `infra/`.
public let repositoryRoot = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

/// Runs the project's own scripts (`infra/rabbitmq.sh`, `infra/postgres.sh`, the examples) as child processes.
public enum StackScript {
    /// A script that exited with a non-zero status, with what it printed.
    public struct Failed: Error, CustomStringConvertible {
        public let command: String
        public let status: Int32
        public let output: String
        public var description: String { "\(command) exited with \(status):\n\(output)" }
    }

    private static let thread = BlockingThread(name: "stack-script")

    /// Runs `infra/<script> arguments…` with `environment` and throws ``Failed`` unless it exits 0.
    public static func run(
        _ script: String,
        _ arguments: [String],
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) async throws {
        _ = try await output(of: repositoryRoot.appendingPathComponent("infra/\(script)").path, arguments, environment: environment)
    }

    /// Runs `executable arguments…` and returns what it printed (stdout and stderr);
    /// throws ``Failed`` unless it exits 0.
    public static func output(
        of executable: String,
        _ arguments: [String],
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) async throws -> String {
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("sluice-run-\(UUID().uuidString.prefix(8)).log")
        defer { try? FileManager.default.removeItem(at: log) }
        let status = try await thread.run { try spawnAndWait(executable, arguments, environment: environment, output: log.path) }
        let output = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
        guard status == 0 else {
            throw Failed(command: "\(executable) \(arguments.joined(separator: " "))", status: status, output: output)
        }
        return output
    }

    /// Not `Foundation.Process`: on Linux it learns of a child's exit when a socket it
    /// hands the child is closed, and the server a start script leaves running inherits
    /// that socket, so the script would never seem to end. `waitpid` blocks, hence the thread.
    /// The child gets standard input, output and error, and no other descriptor.
    private static func spawnAndWait(
        _ executable: String, _ arguments: [String], environment: [String: String], output: String
    ) throws -> Int32 {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, output, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        // Nothing else of the test process: a server the script leaves running would keep
        // whatever it inherits open, such as the end of a Spark driver's input pipe (that
        // driver would then never see its input end) or the test runner's own output.
        // (Listed from /proc; glibc ignores a close of one that is gone by the spawn.)
        for descriptor in (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd"))?.compactMap(Int32.init) ?? [] where descriptor > 2 {
            posix_spawn_file_actions_addclose(&actions, descriptor)
        }
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { (argv + envp).forEach { free($0) } }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, executable, &actions, nil, argv, envp)
        guard spawned == 0 else { throw POSIXError(POSIXErrorCode(rawValue: spawned) ?? .EIO) }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 {
            guard errno == EINTR else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
        }
        // WIFEXITED / WEXITSTATUS, which Swift does not import.
        return status & 0x7F == 0 ? (status >> 8) & 0xFF : 128 + (status & 0x7F)
    }
}
