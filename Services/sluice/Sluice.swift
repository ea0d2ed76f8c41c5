import ArgumentParser

/// `sluice`: the command-line tool for operating a Sluice deployment.
@main
struct Sluice: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Operate a Sluice pipeline: schema, broker topology, jobs.",
        discussion: """
            Settings come from the environment (SLUICE_AMQP_URL, SLUICE_DATABASE_URL, …); see README.md.

            Examples:
              sluice migrate          apply the job-history schema migrations
              sluice topology         declare the exchanges and queues and print them
            """,
        subcommands: [Migrate.self, Topology.self]
    )
}
