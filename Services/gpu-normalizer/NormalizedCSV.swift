import Foundation

/// Writes `normalized.csv`, what the spark-runner reads: header `id,value,category,z`,
/// the records in the order of `validated.csv`, each row copied from it as written and
/// followed by its rescaled value in shortest round-trip form.
///
/// Streams: reads `validated.csv` again and writes the output `chunkBytes` at a time to
/// a temporary file renamed into place at the end, so a reader never sees half an
/// artifact and memory stays bounded by the chunk size.
enum NormalizedCSV {
    static let artifactName = "normalized.csv"

    static func write(from validated: URL, scaled: [Double], to target: URL, chunkBytes: Int) throws {
        let temporary = target.deletingLastPathComponent().appendingPathComponent(".\(artifactName).\(UUID().uuidString)")
        guard FileManager.default.createFile(atPath: temporary.path, contents: nil) else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: temporary.path])
        }
        do {
            let file = try FileHandle(forWritingTo: temporary)
            defer { try? file.close() }
            var output: [UInt8] = []
            output.reserveCapacity(chunkBytes + 4096)
            output.append(contentsOf: "id,value,category,z\n".utf8)
            var chunks = try RowChunks(url: validated, chunkBytes: chunkBytes)
            var index = 0
            try ValidatedRecords.forEachRecord(&chunks) { row, bytes in
                guard index < scaled.count else { throw CSVError(line: row.line, "validated.csv changed while it was normalized") }
                output.append(contentsOf: bytes[row.bytes])
                output.append(UInt8(ascii: ","))
                // `description` of a Double is the shortest text that reads back as the same Double.
                output.append(contentsOf: scaled[index].description.utf8)
                output.append(UInt8(ascii: "\n"))
                index += 1
                if output.count >= chunkBytes {
                    try file.write(contentsOf: output)
                    output.removeAll(keepingCapacity: true)
                }
            }
            guard index == scaled.count else { throw CSVError(line: 0, "validated.csv changed while it was normalized") }
            try file.write(contentsOf: output)
            guard rename(temporary.path, target.path) == 0 else {
                throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: target.path, NSUnderlyingErrorKey: POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO)])
            }
        } catch {
            try? FileManager.default.removeItem(at: temporary)
            throw error
        }
    }
}
