/// The owner (a team) that API keys and jobs belong to (`api_keys.owner`, `jobs.owner`).
/// A key sees and acts on its owner's jobs only, unless its scope is admin, and the
/// `input_uri` files of its jobs are found in its owner's input folder
/// (``ArtifactStore/inputFolder(of:)``), so an owner's name is also a folder's name.
public enum JobOwner {
    /// The owner of keys made without one, of jobs submitted with authentication off,
    /// and of scripts' jobs published without a `user_id`; every key and job from before
    /// owners existed was given it.
    public static let standard = "default"

    /// What a name must be, as a refusal says it.
    public static let rule = "1 to 64 letters, digits, '.', '_' or '-', beginning with a letter or digit"

    /// Whether `name` is an owner's name (the schema's CHECK says the same).
    public static func isValid(_ name: String) -> Bool {
        name.range(of: "^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$", options: .regularExpression) != nil
    }
}
