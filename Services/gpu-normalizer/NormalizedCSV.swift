import Foundation

/// Writes `normalized.csv`, what the spark-runner reads: header `id,value,category,z`,
/// the records in the order of `validated.csv`, each row copied from it as written and
/// followed by its rescaled value in shortest round-trip form.
///
/// A large job's output is split into parts of about `partBytes` each, so that Spark
/// reads it as several files: `normalized.csv` is then a directory of
/// `part-00000.csv`, `part-00001.csv`, …, each with the header, in record order (the
/// layout Spark itself writes). Output that fits one part stays one file.
///
/// Streams: reads `validated.csv` again and writes the output `chunkBytes` at a time
/// into a temporary folder that is renamed into place at the end, so a reader never
/// sees half an artifact and memory stays bounded by the chunk size. A retry's output
/// replaces an earlier attempt's.
enum NormalizedCSV {
    static let artifactName = "normalized.csv"
    static let header = "id,value,category,z\n"

    static func write(from validated: URL, scaled: [Double], to target: URL, chunkBytes: Int, partBytes: Int) throws {
        let staging = target.deletingLastPathComponent().appendingPathComponent(".\(artifactName).\(UUID().uuidString)")
        do {
            try FileManager.default.createDirectory(at: staging, withIntermediateDirectories: false)
            let parts = try writeParts(from: validated, scaled: scaled, into: staging, chunkBytes: chunkBytes, partBytes: partBytes)
            if FileManager.default.fileExists(atPath: target.path) { try FileManager.default.removeItem(at: target) }
            if parts == 1 {
                try move(staging.appendingPathComponent(partName(0)), to: target)
                try FileManager.default.removeItem(at: staging)
            } else {
                try move(staging, to: target)
            }
        } catch {
            try? FileManager.default.removeItem(at: staging)
            throw error
        }
    }

    /// `part-00000.csv` and on.
    static func partName(_ index: Int) -> String {
        String(format: "part-%05d.csv", index)
    }

    /// Writes the parts; returns how many.
    private static func writeParts(from validated: URL, scaled: [Double], into folder: URL, chunkBytes: Int, partBytes: Int) throws -> Int {
        var part = try Part(folder.appendingPathComponent(partName(0)), chunkBytes: chunkBytes)
        var parts = 1
        var chunks = try RowChunks(url: validated, chunkBytes: chunkBytes)
        var index = 0
        try ValidatedRecords.forEachRecord(&chunks, decodingFields: false) { row, _, bytes in
            guard index < scaled.count else { throw CSVError(line: row.line, "validated.csv changed while it was normalized") }
            if part.bytes >= partBytes {
                try part.close()
                part = try Part(folder.appendingPathComponent(partName(parts)), chunkBytes: chunkBytes)
                parts += 1
            }
            try part.append(bytes[row.bytes], scaled[index])
            index += 1
        }
        guard index == scaled.count else { throw CSVError(line: 0, "validated.csv changed while it was normalized") }
        try part.close()
        return parts
    }

    private static func move(_ source: URL, to target: URL) throws {
        guard rename(source.path, target.path) == 0 else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: target.path, NSUnderlyingErrorKey: POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO)])
        }
    }

    /// One output file being written, buffered a chunk at a time.
    private struct Part {
        private let file: FileHandle
        private let chunkBytes: Int
        private var output: [UInt8] = []
        /// Bytes written and buffered so far, the header included.
        private(set) var bytes = 0

        init(_ url: URL, chunkBytes: Int) throws {
            guard FileManager.default.createFile(atPath: url.path, contents: nil) else {
                throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: url.path])
            }
            file = try FileHandle(forWritingTo: url)
            self.chunkBytes = chunkBytes
            output.reserveCapacity(min(chunkBytes, 64 << 20) + 4096)
            output.append(contentsOf: header.utf8)
            bytes = output.count
        }

        mutating func append(_ row: ArraySlice<UInt8>, _ z: Double) throws {
            let before = output.count
            output.append(contentsOf: row)
            output.append(UInt8(ascii: ","))
            // `description` of a Double is the shortest text that reads back as the same Double.
            output.append(contentsOf: z.description.utf8)
            output.append(UInt8(ascii: "\n"))
            bytes += output.count - before
            if output.count >= chunkBytes {
                try file.write(contentsOf: output)
                output.removeAll(keepingCapacity: true)
            }
        }

        mutating func close() throws {
            defer { try? file.close() }
            try file.write(contentsOf: output)
            output.removeAll()
        }
    }
}
