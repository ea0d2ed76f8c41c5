import ArgumentParser
import Foundation
import Logging
import SluiceCore
import SluiceJobs
import SluicePostgres

extension Sluice {
    /// `sluice keys create|list|revoke`: the gateway's API keys, straight in the database.
    struct Keys: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Manage the gateway's API keys (in the database: reads SLUICE_DATABASE_URL).",
            discussion: """
                Only a key's SHA-256 is stored; the key itself is printed once, by create.

                A key belongs to an owner (a team; --owner, default "default"): it sees and acts on
                that owner's jobs only, and its jobs' input_uri files are looked up in
                inputs/OWNER/ in the artifact folder. An --admin key sees every owner's jobs.

                Examples:
                  sluice keys create ci-reader --read-only
                  sluice keys create etl-nightly --owner analytics
                  sluice keys create ops-console --admin
                  sluice keys list
                  sluice keys revoke ci-reader

                Exit status: 0 done; 1 no active key has that name; 69 the database cannot be reached.
                """,
            subcommands: [Create.self, List.self, Revoke.self]
        )

        /// A store over a short-lived pool.
        static func store() throws -> APIKeyStore {
            let pool = PostgresPool(
                configuration: try PostgresConfiguration(environment: ProcessInfo.processInfo.environment),
                logger: Logger(label: "sluice.keys")
            )
            return APIKeyStore(pool: pool)
        }

        struct Create: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Create a key and print it (the only time it is shown).")

            @Argument(help: "Who or what holds the key (letters, digits, . _ -).")
            var name: String

            @Option(name: .long, help: "The owner (team) whose jobs the key sees and submits.")
            var owner = JobOwner.standard

            @Flag(name: .long, help: "The key may only read (GET), not submit, cancel or retry jobs.")
            var readOnly = false

            @Flag(name: .long, help: "The key sees and acts on every owner's jobs.")
            var admin = false

            func validate() throws {
                guard name.range(of: "^[A-Za-z0-9._-]{1,64}$", options: .regularExpression) != nil else {
                    throw ValidationError("a key name is 1 to 64 letters, digits, '.', '_' or '-'")
                }
                guard JobOwner.isValid(owner) else { throw ValidationError("--owner: an owner is \(JobOwner.rule)") }
                guard !(readOnly && admin) else { throw ValidationError("--read-only and --admin exclude each other") }
            }

            func run() async throws {
                let scope: APIKeyStore.Scope = admin ? .admin : readOnly ? .read : .write
                print(try await Keys.store().create(name: name, scope: scope, owner: owner))
            }
        }

        struct List: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "List the keys (never the keys themselves).")

            func run() async throws {
                let keys = try await Keys.store().list()
                let width = keys.map(\.name.count).max() ?? 0
                let ownerWidth = keys.map(\.owner.count).max() ?? 0
                for key in keys {
                    let state = key.revokedAt.map { "revoked \($0.formatted(.iso8601))" } ?? "active"
                    let used = key.lastUsedAt.map { "last used \($0.formatted(.iso8601))" } ?? "never used"
                    let columns = [
                        key.name.padding(toLength: width, withPad: " ", startingAt: 0), "\(key.prefix)…",
                        key.scope.rawValue.padding(toLength: 5, withPad: " ", startingAt: 0),
                        key.owner.padding(toLength: ownerWidth, withPad: " ", startingAt: 0), "\(state), \(used)",
                    ]
                    print(columns.joined(separator: "  "))
                }
            }
        }

        struct Revoke: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Revoke the active key with this name; the gateway refuses it from the next request.")

            @Argument(help: "The key's name.")
            var name: String

            func run() async throws {
                guard try await Keys.store().revoke(name: name) else {
                    throw CommandFailure(description: "no active key is named '\(name)' (`sluice keys list` shows them)", status: ProgramExit.failure)
                }
                print("revoked \(name)")
            }
        }
    }
}
