import Foundation

/// Counts line feeds (`memchr`, not a loop over bytes): readers size their arrays once
/// from the count instead of growing them by doubling.
public enum LineFeeds {
    /// The LF bytes in `bytes`.
    public static func count(in bytes: UnsafeRawBufferPointer) -> Int {
        guard var cursor = bytes.baseAddress else { return 0 }
        let end = cursor + bytes.count
        var count = 0
        while cursor < end, let found = memchr(cursor, Int32(ASCII.newline), end - cursor) {
            count += 1
            cursor = UnsafeRawPointer(found) + 1
        }
        return count
    }
}
