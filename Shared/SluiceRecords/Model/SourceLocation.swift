/// Where something is in a submission body: a 1-based line and column.
///
/// Columns count Unicode scalars rather than bytes, so they match what an editor shows
/// for text without combining marks. A leading UTF-8 byte-order mark is not counted.
public struct SourceLocation: Sendable, Hashable {
    /// The line, from 1.
    public var line: Int
    /// The column, from 1, in Unicode scalars.
    public var column: Int

    /// Creates a location.
    public init(line: Int, column: Int) {
        self.line = line
        self.column = column
    }
}
