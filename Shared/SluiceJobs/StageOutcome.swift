import SluiceContracts

/// What a stage reports about its work: counts, the device it ran on, and figures
/// for `job_metrics`.
public struct StageOutcome: Sendable {
    /// One figure for `job_metrics`.
    public struct Metric: Sendable, Hashable {
        public var name: String
        public var value: Double
        public var unit: String
        /// The stage it belongs to; the reporting stage when nil (`job` for whole-job figures).
        public var stage: String?

        public init(_ name: String, _ value: Double, unit: String, stage: String? = nil) {
            self.name = name
            self.value = value
            self.unit = unit
            self.stage = stage
        }

        /// `metric`'s figure (its name and unit as declared in ``JobMetric``).
        public init(_ metric: JobMetric, _ value: Double, stage: String? = nil) {
            self.init(metric.name, value, unit: metric.unit, stage: stage)
        }
    }

    public var recordsIn: Int?
    public var recordsOut: Int?
    /// e.g. `cpu`, `cuda:0`; nil when the stage uses no compute device.
    public var device: String?
    public var metrics: [Metric]
    /// The job's record count, when this stage is the one that learns it.
    public var jobRecordCount: Int?

    public init(recordsIn: Int? = nil, recordsOut: Int? = nil, device: String? = nil, metrics: [Metric] = [], jobRecordCount: Int? = nil) {
        self.recordsIn = recordsIn
        self.recordsOut = recordsOut
        self.device = device
        self.metrics = metrics
        self.jobRecordCount = jobRecordCount
    }
}
