/// The UTF-8 byte-order mark some tools (Excel among them) write first; every format
/// tolerates it.
enum ByteOrderMark {
    /// The offset just past a leading byte-order mark, or 0 when there is none.
    static func end(of bytes: [UInt8]) -> Int {
        bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? 3 : 0
    }
}
