/// Parquet's RLE / bit-packing hybrid for dictionary indices, as a data page holds them:
/// one byte of bit width, then runs.
enum DictionaryIndices {
    /// The bits an index into a dictionary of `count` entries needs (at least 1).
    static func bitWidth(forDictionaryOf count: Int) -> Int {
        max(1, Int.bitWidth - max(count - 1, 0).leadingZeroBitCount)
    }

    /// Appends `indices` as the bit width and one bit-packed run (groups of 8, the last
    /// padded with zeros).
    static func encode(_ indices: ArraySlice<UInt32>, bitWidth: Int, into out: inout [UInt8]) {
        out.append(UInt8(bitWidth))
        let groups = (indices.count + 7) / 8
        var header = UInt64(groups) << 1 | 1
        while header >= 0x80 {
            out.append(UInt8(header & 0x7F) | 0x80)
            header >>= 7
        }
        out.append(UInt8(header))
        var accumulator: UInt64 = 0
        var bits = 0
        func push(_ value: UInt32) {
            accumulator |= UInt64(value) << UInt64(bits)
            bits += bitWidth
            while bits >= 8 {
                out.append(UInt8(truncatingIfNeeded: accumulator))
                accumulator >>= 8
                bits -= 8
            }
        }
        for index in indices { push(index) }
        for _ in indices.count..<(groups * 8) { push(0) }
    }

    /// Decodes `out.count` indices from `bytes[range]` (bit width first) into `out`,
    /// checking each against the dictionary's size.
    static func decode(_ bytes: [UInt8], _ range: Range<Int>, dictionarySize: Int, into out: UnsafeMutableBufferPointer<UInt32>) throws(PageProblem) {
        let count = out.count
        var offset = range.lowerBound
        guard offset < range.upperBound else { throw PageProblem("an empty dictionary-coded page") }
        let width = Int(bytes[offset])
        offset += 1
        guard width <= 32 else { throw PageProblem("a bit width of \(width)") }
        var decoded = 0
        func varint() throws(PageProblem) -> UInt64 {
            var result: UInt64 = 0, shift: UInt64 = 0
            while true {
                guard offset < range.upperBound, shift < 64 else { throw PageProblem("a run header past the page's end") }
                let byte = bytes[offset]
                offset += 1
                result |= UInt64(byte & 0x7F) << shift
                if byte & 0x80 == 0 { return result }
                shift += 7
            }
        }
        func check(_ index: UInt32) throws(PageProblem) {
            guard Int(index) < dictionarySize else { throw PageProblem("index \(index) into a dictionary of \(dictionarySize)") }
        }
        while decoded < count {
            let header = try varint()
            if header & 1 == 1 {
                let values = Int(clamping: header >> 1) * 8
                let byteCount = (values * width + 7) / 8
                guard byteCount <= range.upperBound - offset else { throw PageProblem("a bit-packed run past the page's end") }
                var accumulator: UInt64 = 0, bits = 0, next = offset
                let mask: UInt64 = width == 0 ? 0 : (1 << UInt64(width)) - 1
                for _ in 0..<min(values, count - decoded) {
                    while bits < width {
                        accumulator |= UInt64(bytes[next]) << UInt64(bits)
                        next += 1
                        bits += 8
                    }
                    let index = UInt32(truncatingIfNeeded: accumulator & mask)
                    accumulator >>= UInt64(width)
                    bits -= width
                    try check(index)
                    (out.baseAddress! + decoded).initialize(to: index)
                    decoded += 1
                }
                offset += byteCount
            } else {
                let run = Int(clamping: header >> 1)
                let valueBytes = (width + 7) / 8
                guard valueBytes <= range.upperBound - offset else { throw PageProblem("a repeated run past the page's end") }
                var value: UInt32 = 0
                for index in 0..<valueBytes { value |= UInt32(bytes[offset + index]) << UInt32(8 * index) }
                offset += valueBytes
                try check(value)
                let take = min(run, count - decoded)
                (out.baseAddress! + decoded).initialize(repeating: value, count: take)
                decoded += take
            }
        }
    }
}

/// What is wrong inside one page; the reader adds which part, column and page.
struct PageProblem: Error {
    let reason: String
    init(_ reason: String) { self.reason = reason }
}
