import Foundation
import Synchronization

/// The one definition of Sluice's columnar artifacts, `validated.parquet` and
/// `normalized.parquet`: what the validator writes for the normalizer, and the normalizer
/// for Spark and for users (`spark.read.parquet(path)`, `pandas.read_parquet(path)`).
///
/// An artifact is a directory of parts `part-00000.parquet`, `part-00001.parquet`, … in
/// record order, at most ``defaultPartRecords`` records each, in row groups of
/// ``rowGroupRecords``: Spark gives each row group a task, so both cores (and a
/// cluster's executors) read a job of a million records in parallel. Each part is a
/// Parquet file, uncompressed, with these required columns:
///
/// | column | Parquet type | meaning |
/// |---|---|---|
/// | `id` | INT64 | the record's id |
/// | `value` | DOUBLE | the submitted value |
/// | `category` | BYTE_ARRAY, STRING, dictionary-encoded | the record's group |
/// | `z` | DOUBLE | the rescaled value (normalized data only) |
///
/// The directory is written beside its final name and renamed into place, so a reader
/// never sees half an artifact, and a retry's artifact replaces an earlier attempt's.
public enum RecordParquet {
    /// 2^21 records: about 40 MB a part with `z`.
    public static let defaultPartRecords = 1 << 21
    /// Records in a row group: about 13 MB with `z`.
    static let rowGroupRecords = 1 << 19
    /// Values a data page holds: 1 MiB of doubles.
    static let pageRecords = 1 << 17

    /// `part-00000.parquet` and on.
    public static func partName(_ index: Int) -> String {
        String(format: "part-%05d.parquet", index)
    }

    /// Writes `columns` as the artifact at `target`, replacing one that is there.
    public static func write(_ columns: RecordColumns, to target: URL, partRecords: Int = defaultPartRecords) throws {
        precondition(partRecords > 0)
        let files = FileManager.default
        let staging = target.deletingLastPathComponent().appendingPathComponent(".\(target.lastPathComponent).\(UUID().uuidString)")
        do {
            try files.createDirectory(at: target.deletingLastPathComponent(), withIntermediateDirectories: true)
            try files.createDirectory(at: staging, withIntermediateDirectories: false)
            // Parts are encoded and written on every core at once: most of the time is the
            // kernel's copy into the page cache, which one thread cannot keep busy.
            let parts = max(1, (columns.count + partRecords - 1) / partRecords)
            let failures = Mutex<[any Error]>([])
            DispatchQueue.concurrentPerform(iterations: parts) { index in
                let records = (index * partRecords)..<min((index + 1) * partRecords, columns.count)
                do {
                    try ParquetPartWriter.write(columns, records: records, to: staging.appendingPathComponent(partName(index)))
                } catch {
                    failures.withLock { $0.append(error) }
                }
            }
            if let failure = failures.withLock({ $0.first }) { throw failure }
            if files.fileExists(atPath: target.path) { try files.removeItem(at: target) }
            guard rename(staging.path, target.path) == 0 else {
                throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: target.path, NSUnderlyingErrorKey: POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO)])
            }
        } catch {
            try? files.removeItem(at: staging)
            throw error
        }
    }

    /// Reads the artifact at `url`: every part, in order. `z` is read when `withZ` is set
    /// (and must then be there). A missing, truncated or damaged part, or one with
    /// another schema, is a ``ParquetError`` that names the part (the first in order
    /// when several are) and what is wrong.
    ///
    /// Each value is copied once, from the file's bytes to its place in the artifact's
    /// columns: the parts' footers are read first (on every core), which sizes the
    /// columns, then each part's pages are decoded straight into its rows (on every
    /// core), and last its category codes are renumbered into the artifact's dictionary.
    public static func read(_ url: URL, withZ: Bool = false) throws(ParquetError) -> RecordColumns {
        let parts = try partURLs(url)
        let opened = try inParallel(parts.count) { index throws(ParquetError) in
            let part = parts[index]
            let bytes: [UInt8]
            do { bytes = try PartFile.read(part) } catch { throw ParquetError(part: part.lastPathComponent, "cannot be read: \(error)") }
            let reader = ParquetPartReader(bytes: bytes, name: part.lastPathComponent)
            return (reader, try reader.layout(withZ: withZ))
        }
        let starts = opened.reduce(into: [0]) { $0.append($0.last! + $1.1.rows) }
        let total = starts.last!
        var ids = [Int64].unfilled(total), values = [Double].unfilled(total), codes = [UInt32].unfilled(total)
        var z = [Double].unfilled(withZ ? total : 0)
        guard total > 0 else { return RecordColumns(ids: [], values: [], categoryCodes: [], categoryNames: [], z: withZ ? [] : nil) }
        let partNames = try ids.withUnsafeMutableBufferPointer { ids throws(ParquetError) in
            try values.withUnsafeMutableBufferPointer { values throws(ParquetError) in
                try codes.withUnsafeMutableBufferPointer { codes throws(ParquetError) in
                    try z.withUnsafeMutableBufferPointer { z throws(ParquetError) in
                        let (ids, values, codes, z) = (SharedRows(ids), SharedRows(values), SharedRows(codes), withZ ? SharedRows(z) : nil)
                        return try inParallel(opened.count) { index throws(ParquetError) in
                            let (reader, layout) = opened[index]
                            let row = starts[index]
                            return try reader.read(layout, into: .init(ids: ids.at(row), values: values.at(row), codes: codes.at(row), z: z?.at(row)))
                        }
                    }
                }
            }
        }
        // Each part has its own dictionary: its codes are renumbered into the artifact's.
        var dictionary = CategoryDictionary()
        let renumbering = partNames.map { dictionary.codes(of: $0) }
        codes.withUnsafeMutableBufferPointer { codes in
            let codes = SharedRows(codes)
            DispatchQueue.concurrentPerform(iterations: opened.count) { index in
                let global = renumbering[index]
                guard global != Array(0..<UInt32(global.count)) else { return }
                for row in starts[index]..<starts[index + 1] { codes.at(row).pointee = global[Int(codes.at(row).pointee)] }
            }
        }
        return RecordColumns(ids: ids, values: values, categoryCodes: codes, categoryNames: dictionary.names, z: withZ ? z : nil)
    }

    /// `work(0..<count)` on every core; the results in order, or the error of the first
    /// index in order that failed.
    private static func inParallel<T: Sendable>(_ count: Int, _ work: @Sendable (Int) throws(ParquetError) -> T) throws(ParquetError) -> [T] {
        let results = Mutex([Result<T, ParquetError>?](repeating: nil, count: count))
        DispatchQueue.concurrentPerform(iterations: count) { index in
            let result = Result { () throws(ParquetError) in try work(index) }
            results.withLock { $0[index] = result }
        }
        return try results.withLock { $0 }.map { result throws(ParquetError) in try result!.get() }
    }

    /// One of the artifact's columns while each part's thread writes its own rows of it.
    /// `@unchecked Sendable`: the threads' rows never overlap, and the buffer outlives them.
    private struct SharedRows<Element>: @unchecked Sendable {
        let buffer: UnsafeMutableBufferPointer<Element>
        init(_ buffer: UnsafeMutableBufferPointer<Element>) { self.buffer = buffer }
        func at(_ row: Int) -> UnsafeMutablePointer<Element> { buffer.baseAddress! + row }
    }

    /// The artifact's parts in order; an error when it is missing or holds none.
    static func partURLs(_ url: URL) throws(ParquetError) -> [URL] {
        let names: [String]
        do { names = try FileManager.default.contentsOfDirectory(atPath: url.path) } catch {
            let exists = FileManager.default.fileExists(atPath: url.path)
            throw ParquetError(part: "", exists ? "is not a directory of parts" : "is missing: \(url.path)")
        }
        let parts = names.filter { $0.hasPrefix("part-") && $0.hasSuffix(".parquet") }.sorted()
        guard !parts.isEmpty else { throw ParquetError(part: "", "holds no part-*.parquet files") }
        return parts.map { url.appendingPathComponent($0) }
    }
}

extension Array where Element: BitwiseCopyable {
    /// `count` elements as the allocator leaves them (no pass to zero them), for a reader
    /// that writes every one before anything reads it; on an error it is dropped unread.
    static func unfilled(_ count: Int) -> [Element] {
        [Element](unsafeUninitializedCapacity: count) { _, initialized in initialized = count }
    }
}

/// Why a columnar artifact could not be read: which part (empty when the artifact as a
/// whole is wrong), and what is wrong with it.
public struct ParquetError: Error, CustomStringConvertible, Equatable {
    public let part: String
    public let reason: String

    init(part: String, _ reason: String) {
        self.part = part
        self.reason = reason
    }

    public var description: String { part.isEmpty ? reason : "\(part): \(reason)" }
}
