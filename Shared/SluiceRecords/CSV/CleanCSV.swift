import SluiceColumns

/// The fast way through a CSV batch whose every row is plain and valid, which is what
/// most large batches are: the bytes go straight into columns, one pass, no text per
/// field. Anything else (quotes, blank lines, an invalid or duplicate record, a row too
/// long, too many rows) makes it give up, and the caller reads the batch with
/// ``SubmissionParser`` and ``RecordValidator``, which locate every problem. For a batch
/// both accept, both give the same records.
public enum CleanCSV {
    /// The batch's records as columns, or nil when the full reader must look at it.
    public static func columns(_ bytes: UnsafeRawBufferPointer, limits: SubmissionLimits) -> RecordColumns? {
        guard bytes.count <= limits.maxBodyBytes else { return nil }
        let body = bytes.bindMemory(to: UInt8.self)
        var at = body.starts(with: [0xEF, 0xBB, 0xBF]) ? 3 : 0
        guard let headerEnd = lineEnd(body, from: at), equals(body, at..<headerEnd.content, "id,value,category") else { return nil }
        at = headerEnd.next
        let expected = body.count / 24 + 1
        var ids: [Int64] = [], values: [Double] = [], codes: [UInt32] = []
        ids.reserveCapacity(min(expected, limits.maxRecords))
        values.reserveCapacity(min(expected, limits.maxRecords))
        codes.reserveCapacity(min(expected, limits.maxRecords))
        var categories = CategoryCodes(body)
        var ascending = true
        while at < body.count {
            guard let line = lineEnd(body, from: at), line.content - at <= limits.maxLineBytes, ids.count < limits.maxRecords else { return nil }
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
            if let last = ids.last, id <= last { ascending = false }
            ids.append(id)
            values.append(value)
            codes.append(code)
            at = line.next
        }
        guard !ids.isEmpty, ascending || !hasDuplicates(ids) else { return nil }
        return RecordColumns(ids: ids, values: values, categoryCodes: codes, categoryNames: categories.names)
    }

    /// Where the line from `start` ends (without its `\r\n` or `\n`) and the next begins;
    /// nil for an empty line.
    private static func lineEnd(_ body: UnsafeBufferPointer<UInt8>, from start: Int) -> (content: Int, next: Int)? {
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
        var seen = Set<Int64>(minimumCapacity: ids.count)
        for id in ids where !seen.insert(id).inserted { return true }
        return false
    }
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
