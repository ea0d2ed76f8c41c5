import Foundation

/// A file's bytes in pieces, in order: bytes of its own (encoded headers and pages) or
/// memory it borrows (a column's PLAIN page), which must outlive it.
struct PartPieces {
    private var owned: [[UInt8]] = []
    /// Each piece: an index into `owned`, or borrowed memory.
    private var pieces: [Either] = []
    /// Bytes so far: the offset of the next piece in the file.
    private(set) var count = 0

    private enum Either {
        case owned(Int)
        case borrowed(UnsafeRawBufferPointer)
    }

    mutating func append(_ bytes: [UInt8]) {
        owned.append(bytes)
        pieces.append(.owned(owned.count - 1))
        count += bytes.count
    }

    mutating func append(_ bytes: UnsafeRawBufferPointer) {
        pieces.append(.borrowed(bytes))
        count += bytes.count
    }

    /// Calls `body` with every piece's bytes, in order.
    func withEachPiece(_ body: (UnsafeRawBufferPointer) throws -> Void) rethrows {
        for piece in pieces {
            switch piece {
            case .owned(let index): try owned[index].withUnsafeBytes(body)
            case .borrowed(let bytes): try body(bytes)
            }
        }
    }
}

/// A part's bytes to and from disk with plain POSIX calls: no copy through `Data`.
enum PartFile {
    static func write(_ file: PartPieces, to url: URL) throws {
        let descriptor = open(url.path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
        defer { close(descriptor) }
        try file.withEachPiece { buffer in
            var written = 0
            while written < buffer.count {
                let count = Foundation.write(descriptor, buffer.baseAddress! + written, buffer.count - written)
                if count < 0 && errno == EINTR { continue }
                guard count > 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
                written += count
            }
        }
    }

    static func read(_ url: URL) throws -> [UInt8] {
        let descriptor = open(url.path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
        defer { close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
        let size = Int(status.st_size)
        return try [UInt8](unsafeUninitializedCapacity: size) { buffer, initialized in
            initialized = 0
            while initialized < size {
                let count = Foundation.read(descriptor, buffer.baseAddress! + initialized, size - initialized)
                if count < 0 && errno == EINTR { continue }
                guard count >= 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
                // A file cut shorter while it was read: what was read is checked like any other part.
                if count == 0 { break }
                initialized += count
            }
        }
    }
}
