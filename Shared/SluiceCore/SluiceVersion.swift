/// Sluice's release version, which `sluice --version` prints. Raised when a release is
/// tagged, in the same commit.
public enum SluiceVersion {
    /// The version, as `MAJOR.MINOR.PATCH`.
    public static let current = "0.14.0"
}
