import Foundation

/// Lends C copies of `strings` (nil stays a null pointer) for the duration of `body`.
///
/// Swift's implicit String-to-pointer bridging covers one argument; libpq's
/// parameter and keyword arrays need many pointers alive at once.
func withCStrings<Result>(_ strings: [String?], _ body: ([UnsafePointer<CChar>?]) throws -> Result) rethrows -> Result {
    let copies = strings.map { $0.map { strdup($0)! } }
    defer { copies.forEach { free($0) } }
    return try body(copies.map { $0.map { UnsafePointer($0) } })
}

extension String {
    /// Whether the text contains U+0000, which no PostgreSQL text value can hold and
    /// which C would read as the end of the string.
    var containsNUL: Bool { utf8.contains(0) }
}
