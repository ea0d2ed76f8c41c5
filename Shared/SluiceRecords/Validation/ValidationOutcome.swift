/// What happens to a job once its batch is validated under its `on_invalid` policy.
public enum ValidationOutcome: Sendable, Hashable {
    /// Every record is valid; the job goes on with all of them.
    case accepted([Record])
    /// `on_invalid: drop` left out `dropped` invalid records; the job goes on with the
    /// valid ones, of which there is at least one.
    case acceptedDroppingInvalid([Record], dropped: Int)
    /// The job fails: its batch is empty or too large, some records are invalid under
    /// `on_invalid: fail`, or none is valid.
    case rejected(SubmissionError)
}
