/// Reads Thrift's compact protocol into ``ThriftValue``s: enough of it for Parquet's page
/// headers and footer, with every length checked against the bytes there are, so a
/// damaged file gives an error and never a crash.
struct CompactReader {
    /// Why the bytes are not a valid compact-protocol value.
    struct Malformed: Error, CustomStringConvertible {
        let offset: Int
        let reason: String
        var description: String { "\(reason) at byte \(offset)" }
    }

    private let bytes: [UInt8]
    private(set) var offset: Int
    private let end: Int
    private var depth = 0

    init(_ bytes: [UInt8], from offset: Int, to end: Int) {
        self.bytes = bytes
        self.offset = offset
        self.end = end
    }

    /// Reads one struct (from its first field header to its stop byte).
    mutating func readStruct() throws(Malformed) -> ThriftStruct {
        depth += 1
        defer { depth -= 1 }
        guard depth <= 16 else { throw Malformed(offset: offset, reason: "structs nested too deep") }
        var fields: [Int16: ThriftValue] = [:]
        var lastID: Int16 = 0
        while true {
            let header = try byte()
            if header == 0 { return ThriftStruct(fields: fields) }
            let type = header & 0x0F
            let delta = Int16(header >> 4)
            let id: Int16
            if delta == 0 {
                let raw = unzigzag(try varint())
                guard let narrow = Int16(exactly: raw) else { throw Malformed(offset: offset, reason: "field id \(raw) out of range") }
                id = narrow
            } else {
                id = lastID &+ delta
            }
            lastID = id
            fields[id] = try value(ofType: type)
        }
    }

    private mutating func value(ofType type: UInt8) throws(Malformed) -> ThriftValue {
        switch type {
        case 1: return .bool(true)
        case 2: return .bool(false)
        case 3: return .int(Int64(Int8(bitPattern: try byte())))
        case 4, 5, 6: return .int(unzigzag(try varint()))
        case 7:
            let raw = try take(8)
            var bits: UInt64 = 0
            for (index, byte) in raw.enumerated() { bits |= UInt64(byte) << (8 * UInt64(index)) }
            return .double(Double(bitPattern: bits))
        case 8: return .binary(Array(try take(try length())))
        case 9, 10:
            let header = try byte()
            let count = header >> 4 == 15 ? try length() : Int(header >> 4)
            let elementType = header & 0x0F
            var elements: [ThriftValue] = []
            elements.reserveCapacity(min(count, 1 << 16))
            for _ in 0..<count {
                // In a list, booleans are one byte each: 1 true, 2 false.
                if elementType == 1 || elementType == 2 {
                    elements.append(.bool(try byte() == 1))
                } else {
                    elements.append(try value(ofType: elementType))
                }
            }
            return .list(elements)
        case 11:
            let count = try length()
            guard count > 0 else { return .list([]) }
            let types = try byte()
            var elements: [ThriftValue] = []
            for _ in 0..<count {
                elements.append(try value(ofType: types >> 4))
                elements.append(try value(ofType: types & 0x0F))
            }
            return .list(elements)
        case 12: return .structure(try readStruct())
        default: throw Malformed(offset: offset - 1, reason: "unknown field type \(type)")
        }
    }

    private mutating func byte() throws(Malformed) -> UInt8 {
        guard offset < end else { throw Malformed(offset: offset, reason: "the data ends inside a value") }
        defer { offset += 1 }
        return bytes[offset]
    }

    private mutating func take(_ count: Int) throws(Malformed) -> ArraySlice<UInt8> {
        guard count >= 0, count <= end - offset else { throw Malformed(offset: offset, reason: "a value of \(count) bytes runs past the end of the data") }
        defer { offset += count }
        return bytes[offset..<offset + count]
    }

    private mutating func length() throws(Malformed) -> Int {
        let raw = try varint()
        guard raw <= UInt64(end - offset) * 8 + 8 else { throw Malformed(offset: offset, reason: "a length of \(raw) exceeds the data") }
        return Int(raw)
    }

    private mutating func varint() throws(Malformed) -> UInt64 {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            let next = try byte()
            guard shift < 64 else { throw Malformed(offset: offset, reason: "a varint longer than 64 bits") }
            result |= UInt64(next & 0x7F) << shift
            if next & 0x80 == 0 { return result }
            shift += 7
        }
    }

    private func unzigzag(_ value: UInt64) -> Int64 {
        Int64(bitPattern: value >> 1) ^ -Int64(bitPattern: value & 1)
    }
}

/// A decoded compact-protocol value.
indirect enum ThriftValue: Sendable {
    case bool(Bool)
    case int(Int64)
    case double(Double)
    case binary([UInt8])
    case list([ThriftValue])
    case structure(ThriftStruct)
}

/// A decoded struct: its fields by id.
struct ThriftStruct: Sendable {
    let fields: [Int16: ThriftValue]

    func int(_ id: Int16) -> Int64? {
        if case .int(let value)? = fields[id] { return value }
        return nil
    }

    func string(_ id: Int16) -> String? {
        if case .binary(let bytes)? = fields[id] { return String(decoding: bytes, as: UTF8.self) }
        return nil
    }

    func structure(_ id: Int16) -> ThriftStruct? {
        if case .structure(let value)? = fields[id] { return value }
        return nil
    }

    func list(_ id: Int16) -> [ThriftValue]? {
        if case .list(let values)? = fields[id] { return values }
        return nil
    }

    func structs(_ id: Int16) -> [ThriftStruct]? {
        list(id)?.compactMap { if case .structure(let value) = $0 { value } else { nil } }
    }
}
