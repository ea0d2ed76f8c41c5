/// How a job is processed: the `processing_config` object of a submission.
///
/// Every key is optional and takes its default when absent; an unknown key or a value of
/// the wrong type is refused (see ``init(json:)``). Encoding writes every key, with the
/// same snake_case names, so a stored configuration reads back the same.
public struct ProcessingConfig: Sendable, Hashable, Encodable {
    /// `gpu_enabled`: normalize on a CUDA GPU when one is present. Default `true`.
    public var gpuEnabled: Bool
    /// `compare_pipelines`: run both Spark pipelines (RDD and DataFrame) and compare them.
    /// Default `true`.
    public var comparePipelines: Bool
    /// `store_results`: keep the result files in the artifact store. Default `true`.
    public var storeResults: Bool
    /// `on_invalid`: what invalid records do to the job. Default ``InvalidRecordPolicy/fail``.
    public var onInvalid: InvalidRecordPolicy
    /// `normalization`: how values are rescaled. Default ``Normalization/zScore``.
    public var normalization: Normalization

    /// Creates a configuration; each setting defaults to the value documented on its property.
    public init(
        gpuEnabled: Bool = true,
        comparePipelines: Bool = true,
        storeResults: Bool = true,
        onInvalid: InvalidRecordPolicy = .fail,
        normalization: Normalization = .zScore
    ) {
        self.gpuEnabled = gpuEnabled
        self.comparePipelines = comparePipelines
        self.storeResults = storeResults
        self.onInvalid = onInvalid
        self.normalization = normalization
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case gpuEnabled = "gpu_enabled"
        case comparePipelines = "compare_pipelines"
        case storeResults = "store_results"
        case onInvalid = "on_invalid"
        case normalization
    }
}
