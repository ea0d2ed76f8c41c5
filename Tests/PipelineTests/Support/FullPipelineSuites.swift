import Testing

/// The suites that run all five services: one at a time, since each starts a Spark
/// session of its own (a JVM), and two at once would only compete for the same cores.
@Suite(.serialized) enum FullPipeline {}
