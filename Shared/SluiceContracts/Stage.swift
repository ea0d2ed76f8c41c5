/// A pipeline stage: each is one queue and one service.
public enum Stage: String, CaseIterable, Sendable, Codable {
    case validate
    case normalize
    case spark
    case analyze

    /// The stage after this one, `nil` for the last.
    public var next: Stage? {
        switch self {
        case .validate: .normalize
        case .normalize: .spark
        case .spark: .analyze
        case .analyze: nil
        }
    }

    /// The stage before this one, `nil` for the first.
    public var previous: Stage? {
        Stage.allCases.first { $0.next == self }
    }
}
