/// The rules for `input_uri`: a relative path inside the data directory the services
/// share, so that a submission cannot make a service read anything outside it.
enum InputPath {
    /// Why `path` is refused, or nil when it is acceptable.
    static func problem(with path: String) -> String? {
        if path.isEmpty { return "it is empty" }
        if path.unicodeScalars.contains(where: { $0.value < 0x20 || $0 == "\u{7F}" }) {
            return "it contains a control character"
        }
        if path.contains("\\") { return "directories are separated with /, not \\" }
        if path.contains("://") { return "it must be a relative path, not a URL" }
        if path.hasPrefix("/") { return "it must be a relative path, not an absolute one" }
        if path.split(separator: "/").contains("..") { return "it must not go up a directory with .." }
        return nil
    }
}
