/// The colour of every quantity Sluice draws, one colour per quantity wherever it is
/// drawn: the dashboard reads them as CSS custom properties (`--wait`, `--work`, …) from
/// the gateway's `GET /palette.css`, and `sluice report` writes them into its SVG, so
/// queue wait is the same amber in both and never means anything else.
public enum ChartColor: String, CaseIterable, Sendable {
    /// Time or messages waiting: a stage's queue wait, ready messages.
    case wait
    /// Time or messages being worked on: a stage's service time, unacknowledged messages, attempts in flight.
    case work
    /// Failures: failed attempts and jobs, dead letters.
    case failed
    /// Completed jobs and succeeded attempts.
    case ok
    /// Messages waiting in a retry tier for their next attempt.
    case retry
    /// The RDD pipeline.
    case rdd
    /// The DataFrame pipeline.
    case dataframe
    /// Records per second.
    case throughput
    /// A whole job's latency (accepted to finished).
    case latency
    /// Money.
    case cost

    /// The colour as `#rrggbb`.
    public var hex: String {
        switch self {
        case .wait: "#f2b84b"
        case .work: "#3a78d8"
        case .failed: "#d8453a"
        case .ok: "#2e9d5b"
        case .retry: "#d46fb0"
        case .rdd: "#8854d0"
        case .dataframe: "#1a9e96"
        case .throughput: "#4a5a7a"
        case .latency: "#c2571a"
        case .cost: "#8a6d3b"
        }
    }

    /// Every colour as a CSS custom property on `:root` (`--wait: #f2b84b;` …).
    public static var css: String {
        "/* The colour of each quantity (ChartColor in Shared/SluiceCore); the same in sluice report. */\n:root {\n"
            + allCases.map { "  --\($0.rawValue): \($0.hex);\n" }.joined() + "}\n"
    }
}
