/// Category names coded in order of first appearance: how ``RecordColumns`` codes its
/// categories, and how columns read in pieces (parts, or pieces of a batch, each with a
/// dictionary of its own) are joined into one dictionary.
public struct CategoryDictionary: Sendable {
    /// The names, each at its code.
    public private(set) var names: [String] = []
    private var codeOf: [String: UInt32] = [:]

    /// Starts with `names` at codes 0, 1, … (they must be distinct).
    public init(_ names: [String] = []) {
        for name in names { _ = code(of: name) }
    }

    /// The code of `name`, added at the end when it is new.
    public mutating func code(of name: String) -> UInt32 {
        if let code = codeOf[name] { return code }
        let code = UInt32(names.count)
        codeOf[name] = code
        names.append(name)
        return code
    }

    /// The codes in this dictionary of another dictionary's `names`, in their order:
    /// the table that renumbers codes made with it.
    public mutating func codes(of names: [String]) -> [UInt32] {
        names.map { code(of: $0) }
    }
}
