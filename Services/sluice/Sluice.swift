import ArgumentParser
import SluiceCore

/// `sluice`: the command-line tool for operating a Sluice deployment.
@main
struct Sluice: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Operate a Sluice pipeline: schema, broker topology, jobs.",
        discussion: """
            Settings come from the environment (SLUICE_GATEWAY_URL, SLUICE_API_KEY, SLUICE_AMQP_URL, SLUICE_DATABASE_URL, …); see README.md.

            Examples:
              sluice submit data.csv --wait        submit, follow its stages, summary
              sluice watch JOB_ID                  follow a running job live
              sluice produce job.json --reply      publish to the broker, await summary
              sluice status JOB_ID                 a job's status and stage attempts
              sluice jobs --status failed          the newest failed jobs
              sluice results JOB_ID                a completed job's summary
              sluice report --since 7d --out r.html  an HTML report of the job history
              sluice bench --jobs 200 --clients 16   a load test through the gateway
              sluice keys create ci --read-only    make an API key (printed once)
              sluice migrate                       apply the schema migrations
              sluice topology                      declare the queues, print their depths

            Exit status:
              0   done
              1   the gateway refused (its reason is printed)
              2   the job failed or was cancelled (watch, submit --wait)
              3   a --timeout passed first
              64  a bad command line
              66  an input file is missing or unreadable
              69  the gateway, the broker or the database cannot be reached
              76  what answered is not the gateway (a worker's port?)
              78  a setting (SLUICE_*) cannot be used

            `sluice help COMMAND` shows each command's options and examples.
            """,
        version: SluiceVersion.current,
        subcommands: [Submit.self, Watch.self, Produce.self, Status.self, Jobs.self, Results.self, Report.self, Bench.self, Cancel.self, Retry.self, Keys.self, DeadLetterQueue.self, Migrate.self, Topology.self]
    )
}
