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
    /// The validator's artifact, read by the normalizer.
    public static let validatedName = "validated.parquet"
    /// The normalizer's artifact, read by Spark.
    public static let normalizedName = "normalized.parquet"
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
                    try PartFile.write(ParquetPartWriter.encode(columns, records: records), to: staging.appendingPathComponent(partName(index)))
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
    /// another schema, is a ``ParquetError`` that names the part and what is wrong.
    public static func read(_ url: URL, withZ: Bool = false) throws(ParquetError) -> RecordColumns {
        let parts = try partURLs(url)
        // Each part is read and decoded on its own core, then joined in order.
        let decoded = Mutex<[Int: Result<RecordColumns, ParquetError>]>([:])
        DispatchQueue.concurrentPerform(iterations: parts.count) { index in
            let part = parts[index]
            let result: Result<RecordColumns, ParquetError>
            do {
                let bytes = try PartFile.read(part)
                result = Result { () throws(ParquetError) in try ParquetPartReader(bytes: bytes, name: part.lastPathComponent).read(withZ: withZ) }
            } catch {
                result = .failure(ParquetError(part: part.lastPathComponent, "cannot be read: \(error)"))
            }
            decoded.withLock { $0[index] = result }
        }
        let results = decoded.withLock { $0 }
        var ids: [Int64] = [], values: [Double] = [], codes: [UInt32] = []
        var z: [Double] = []
        var dictionary = CategoryDictionary()
        for index in parts.indices {
            let columns = try results[index]!.get()
            // Each part has its own dictionary: its codes are renumbered into the artifact's.
            let global = dictionary.codes(of: columns.categoryNames)
            ids += columns.ids
            values += columns.values
            codes.reserveCapacity(codes.count + columns.count)
            for code in columns.categoryCodes { codes.append(global[Int(code)]) }
            if let partZ = columns.z { z += partZ }
        }
        return RecordColumns(ids: ids, values: values, categoryCodes: codes, categoryNames: dictionary.names, z: withZ ? z : nil)
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
