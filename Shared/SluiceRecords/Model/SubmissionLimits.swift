/// Bounds on one submission. The gateway and the validator must use the same values, so
/// that a job the gateway accepted is never refused later for its size.
public struct SubmissionLimits: Sendable, Hashable {
    /// The most records one job may have. Default 1,000,000.
    public var maxRecords: Int
    /// The longest category, in UTF-8 bytes. Default 256.
    public var maxCategoryBytes: Int
    /// The largest body, in bytes. Default 64 MiB (67,108,864).
    public var maxBodyBytes: Int
    /// The longest CSV row or NDJSON line, in bytes, line break excluded. Default 65,536.
    public var maxLineBytes: Int

    /// Creates limits; each one defaults to the value documented on its property.
    public init(maxRecords: Int = 1_000_000, maxCategoryBytes: Int = 256, maxBodyBytes: Int = 64 << 20, maxLineBytes: Int = 65_536) {
        self.maxRecords = maxRecords
        self.maxCategoryBytes = maxCategoryBytes
        self.maxBodyBytes = maxBodyBytes
        self.maxLineBytes = maxLineBytes
    }
}
