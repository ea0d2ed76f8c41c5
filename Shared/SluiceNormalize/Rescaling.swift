/// The affine map every normalization ends in, per parameter set (one for the whole
/// job, or one per category): `((value × scale − shift) − offset) / divisor`, and 0
/// where the divisor is 0 (constant values). Keeping the shift apart from the offset
/// means a z-score never goes through a rounded mean: near 1e9 a mean rounded to a
/// double is already 1e-7 off, which a spread of 1 would turn into a z-score error of 1e-7.
public struct Rescaling: Sendable, Equatable {
    public var scale: Double
    public var shift: [Double]
    public var offset: [Double]
    public var divisor: [Double]

    /// z-scores with the mean and standard deviation of each of `moments` (all in `scale`).
    public static func zScores(_ moments: [Moments], scale: Double) -> Rescaling {
        Rescaling(scale: scale, shift: moments.map(\.shift), offset: moments.map(\.mean), divisor: moments.map(\.scaledStd))
    }

    /// (value − min) / (max − min), computed on scaled values so that the range cannot
    /// overflow (−1e308…1e308). Rounding is monotonic, so results stay in [0, 1].
    public static func minMax(_ whole: Moments) -> Rescaling {
        let low = whole.min * whole.scale
        return Rescaling(scale: whole.scale, shift: [low], offset: [0], divisor: [whole.max * whole.scale - low])
    }
}
