/// A member of a flat JSON object: its key, its value (nested containers are kept only as
/// their kind) and where the key is.
struct JSONMember {
    var key: String
    var value: RawField
    var location: SourceLocation?
}
