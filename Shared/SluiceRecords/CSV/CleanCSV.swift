import Foundation
import SluiceColumns

/// The fast way through a CSV batch whose every row is plain and valid, which is what
/// most large batches are: the bytes go straight into columns, one pass, no text per
/// field. Anything else (quotes, blank lines, an invalid or duplicate record, a row too
/// long, too many rows) makes it give up, and the caller reads the batch with
/// ``SubmissionParser`` and ``RecordValidator``, which locate every problem. For a batch
/// both accept, both give the same records.
public enum CleanCSV {
    /// Below this many bytes a batch is read on one thread.
    static let pieceBytes = 8 << 20

    /// The batch's records as columns, or nil when the full reader must look at it.
    ///
    /// A large batch is cut at line starts into a piece per core, each read on its own
    /// thread straight into its place in the columns (counted first from its line feeds),
    /// and the pieces' categories joined in order of first appearance.
    public static func columns(_ bytes: UnsafeRawBufferPointer, limits: SubmissionLimits) -> RecordColumns? {
        columns(bytes, limits: limits, pieceBytes: pieceBytes)
    }

    /// ``columns(_:limits:)`` with pieces of at least `pieceBytes`.
    static func columns(_ bytes: UnsafeRawBufferPointer, limits: SubmissionLimits, pieceBytes: Int) -> RecordColumns? {
        guard bytes.count <= limits.maxBodyBytes else { return nil }
        let body = bytes.bindMemory(to: UInt8.self)
        let bom = body.starts(with: [0xEF, 0xBB, 0xBF]) ? 3 : 0
        guard let header = lineEnd(body, from: bom), equals(body, bom..<header.content, "id,value,category") else { return nil }
        let pieces = self.pieces(body, from: header.next, pieceBytes: pieceBytes)
        let total = pieces.reduce(0) { $0 + $1.records }
        guard total > 0, total <= limits.maxRecords else { return nil }

        var read = [Piece.Result?](repeating: nil, count: pieces.count)
        var values: [Double] = []
        var codes: [UInt32] = []
        let ids = [Int64](unsafeUninitializedCapacity: total) { idBuffer, idCount in
            values = [Double](unsafeUninitializedCapacity: total) { valueBuffer, valueCount in
                codes = [UInt32](unsafeUninitializedCapacity: total) { codeBuffer, codeCount in
                    let output = Piece.Output(ids: idBuffer.baseAddress!, values: valueBuffer.baseAddress!, codes: codeBuffer.baseAddress!)
                    read.withUnsafeMutableBufferPointer { results in
                        let shared = SharedBuffers(body: body, results: results.baseAddress!)
                        DispatchQueue.concurrentPerform(iterations: pieces.count) { index in
                            shared.results[index] = pieces[index].read(shared.body, into: output, limits: limits)
                        }
                    }
                    // Plain numbers, whatever a piece that gave up left: nothing to deinitialize.
                    codeCount = total
                }
                valueCount = total
            }
            idCount = total
        }
        let results = read.compactMap { $0 }
        guard results.count == pieces.count else { return nil }
        var dictionary = CategoryDictionary(results[0].names)
        var ascending = results[0].ascending
        for (piece, result) in zip(pieces, results).dropFirst() {
            let global = dictionary.codes(of: result.names)
            for index in piece.offset..<(piece.offset + piece.records) { codes[index] = global[Int(codes[index])] }
            ascending = ascending && result.ascending && ids[piece.offset - 1] < ids[piece.offset]
        }
        guard ascending || !hasDuplicates(ids) else { return nil }
        return RecordColumns(ids: ids, values: values, categoryCodes: codes, categoryNames: dictionary.names)
    }

    /// The data lines from `start` cut into pieces at line starts, each with its record
    /// count (its line feeds, and the last line without one) and its place in the columns.
    private static func pieces(_ body: UnsafeBufferPointer<UInt8>, from start: Int, pieceBytes: Int) -> [Piece] {
        let count = max(1, min(ProcessInfo.processInfo.activeProcessorCount, (body.count - start) / pieceBytes))
        var cuts = [start]
        for index in 1..<max(count, 1) {
            var cut = start + (body.count - start) * index / count
            while cut < body.count, body[cut - 1] != ASCII.newline { cut += 1 }
            if cut > cuts[cuts.count - 1], cut < body.count { cuts.append(cut) }
        }
        cuts.append(body.count)
        var pieces: [Piece] = []
        var offset = 0
        for (from, to) in zip(cuts, cuts.dropFirst()) {
            let feeds = LineFeeds.count(in: UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(body)[from..<to]))
            let records = feeds + (to > from && body[to - 1] != ASCII.newline ? 1 : 0)
            pieces.append(Piece(range: from..<to, offset: offset, records: records))
            offset += records
        }
        return pieces
    }

    /// Where the line from `start` ends (without its `\r\n` or `\n`) and the next begins;
    /// nil for an empty line.
    fileprivate static func lineEnd(_ body: UnsafeBufferPointer<UInt8>, from start: Int) -> (content: Int, next: Int)? {
        var end = start
        while end < body.count, body[end] != ASCII.newline { end += 1 }
        let next = end < body.count ? end + 1 : end
        if end > start, body[end - 1] == ASCII.carriageReturn { end -= 1 }
        return end > start ? (end, next) : nil
    }

    private static func equals(_ body: UnsafeBufferPointer<UInt8>, _ range: Range<Int>, _ text: StaticString) -> Bool {
        range.count == text.utf8CodeUnitCount && zip(body[range], UnsafeBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount)).allSatisfy { $0 == $1 }
    }

    private static func hasDuplicates(_ ids: [Int64]) -> Bool {
        var firsts = FirstIndexByID(capacity: ids.count)
        return ids.indices.contains { firsts.firstIndex(of: ids[$0], recording: $0) != nil }
    }
}

/// A run of whole lines of the batch and where its records go in the columns.
private struct Piece: Sendable {
    let range: Range<Int>
    let offset: Int
    let records: Int

    /// What a piece found: whether its ids grow, and its categories in order (its codes index them).
    struct Result {
        let ascending: Bool
        let names: [String]
    }

    /// The columns' storage, written by the pieces at their own offsets.
    struct Output: @unchecked Sendable {
        let ids: UnsafeMutablePointer<Int64>
        let values: UnsafeMutablePointer<Double>
        let codes: UnsafeMutablePointer<UInt32>
    }

    /// Reads the piece's lines into `output`; nil when a line is not a plain valid record
    /// or there are not exactly `records` of them.
    func read(_ body: UnsafeBufferPointer<UInt8>, into output: Output, limits: SubmissionLimits) -> Result? {
        var categories = CategoryCodes(body)
        var ascending = true
        var at = range.lowerBound, index = offset
        let end = offset + records
        while at < range.upperBound {
            guard index < end, let line = CleanCSV.lineEnd(body, from: at), line.content - at <= limits.maxLineBytes else { return nil }
            // id: an optional minus and 1 to 18 digits (never out of range).
            var cursor = at
            let negative = body[cursor] == ASCII.minus
            if negative { cursor += 1 }
            var id: Int64 = 0
            let digitsStart = cursor
            while cursor < line.content, ASCII.isDigit(body[cursor]) {
                id = id &* 10 &+ Int64(body[cursor] - ASCII.zero)
                cursor += 1
            }
            guard cursor > digitsStart, cursor - digitsStart <= 18, cursor < line.content, body[cursor] == ASCII.comma else { return nil }
            if negative { id = -id }
            // value: up to the next comma, in decimal notation, finite.
            let valueStart = cursor + 1
            cursor = valueStart
            while cursor < line.content, body[cursor] != ASCII.comma { cursor += 1 }
            guard cursor < line.content,
                  let value = DecimalText.value(UnsafeBufferPointer(rebasing: body[valueStart..<cursor])), value.isFinite
            else { return nil }
            // category: the rest of the line, plain.
            guard let code = categories.code(cursor + 1..<line.content, maxBytes: limits.maxCategoryBytes) else { return nil }
            if index > offset, id <= output.ids[index - 1] { ascending = false }
            output.ids[index] = id
            output.values[index] = value
            output.codes[index] = code
            index += 1
            at = line.next
        }
        return index == end ? Result(ascending: ascending, names: categories.names) : nil
    }
}

/// The batch the pieces read, and their results, each slot written by one piece's thread only.
private struct SharedBuffers: @unchecked Sendable {
    let body: UnsafeBufferPointer<UInt8>
    let results: UnsafeMutablePointer<Piece.Result?>
}

/// The categories of a batch by their bytes in it: an open-addressing table from a
/// category's bytes to its code, comparing against the first row that had it, so a row
/// costs a hash and a comparison, no text.
private struct CategoryCodes {
    private let body: UnsafeBufferPointer<UInt8>
    private var slots = [Int32](repeating: -1, count: 64)
    private var firsts: [Range<Int>] = []
    private var hashes: [UInt64] = []
    private(set) var names: [String] = []

    init(_ body: UnsafeBufferPointer<UInt8>) {
        self.body = body
    }

    /// The code of the category in `range`; nil when it is empty, too long, has a byte
    /// the full reader must judge (a quote, a comma, a control character) or is not UTF-8.
    mutating func code(_ range: Range<Int>, maxBytes: Int) -> UInt32? {
        guard !range.isEmpty, range.count <= maxBytes else { return nil }
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        for index in range {
            let byte = body[index]
            guard byte >= ASCII.space, byte != ASCII.quote, byte != ASCII.comma, byte != 0x7F else { return nil }
            hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01B3
        }
        let mask = slots.count - 1
        var slot = Int(truncatingIfNeeded: hash) & mask
        while slots[slot] >= 0 {
            let code = Int(slots[slot])
            if hashes[code] == hash, firsts[code].count == range.count, body[firsts[code]].elementsEqual(body[range]) {
                return UInt32(code)
            }
            slot = (slot + 1) & mask
        }
        guard let name = String(validating: body[range], as: UTF8.self) else { return nil }
        let code = names.count
        names.append(name)
        firsts.append(range)
        hashes.append(hash)
        slots[slot] = Int32(code)
        if names.count * 2 > slots.count { grow() }
        return UInt32(code)
    }

    private mutating func grow() {
        slots = [Int32](repeating: -1, count: slots.count * 2)
        let mask = slots.count - 1
        for (code, hash) in hashes.enumerated() {
            var slot = Int(truncatingIfNeeded: hash) & mask
            while slots[slot] >= 0 { slot = (slot + 1) & mask }
            slots[slot] = Int32(code)
        }
    }
}
