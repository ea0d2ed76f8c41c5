import ArgumentParser

/// `sluice`: the command-line tool for operating a Sluice deployment.
@main
struct Sluice: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Operate a Sluice pipeline: schema, broker topology, jobs.",
        discussion: """
            Settings come from the environment (SLUICE_GATEWAY_URL, SLUICE_API_KEY, SLUICE_AMQP_URL, SLUICE_DATABASE_URL, …); see README.md.

            Examples:
              sluice submit data.csv --wait      submit a file, follow it stage by stage, print its summary
              sluice watch JOB_ID                follow a running job live
              sluice produce job.json --reply    publish a job straight onto the broker and wait for its summary
              sluice status JOB_ID               a job's status and stage attempts
              sluice jobs --status failed        the newest failed jobs
              sluice results JOB_ID              a completed job's summary
              sluice report --since 7d --out r.html  an HTML report of the job history
              sluice keys create ci --read-only  make an API key (printed once)
              sluice migrate                     apply the job-history schema migrations
              sluice topology                    declare the exchanges and queues and print them
            """,
        subcommands: [Submit.self, Watch.self, Produce.self, Status.self, Jobs.self, Results.self, Report.self, Cancel.self, Retry.self, Keys.self, DeadLetterQueue.self, Migrate.self, Topology.self]
    )
}
