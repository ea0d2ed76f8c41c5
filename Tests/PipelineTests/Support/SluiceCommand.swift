import ArgumentParser
@testable import sluice

/// Runs a `sluice` command line in this process, parsed as a user types it.
enum SluiceCommand {
    static func run(_ arguments: [String]) async throws {
        var command = try Sluice.parseAsRoot(arguments)
        if var command = command as? any AsyncParsableCommand {
            try await command.run()
        } else {
            try command.run()
        }
    }
}
