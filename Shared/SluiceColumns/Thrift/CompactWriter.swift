/// Writes Thrift's compact protocol, the encoding of Parquet's page headers and footer:
/// just the parts that ``ParquetPartWriter`` needs (structs, lists, i32, i64, binary).
///
/// Field ids are written as deltas from the previous field of the same struct, so a
/// struct's fields must be written in increasing id order between ``beginStruct()`` and
/// ``endStruct()``.
struct CompactWriter {
    /// The compact protocol's type codes.
    enum FieldType: UInt8 {
        case boolTrue = 1, boolFalse = 2, byte = 3, i16 = 4, i32 = 5, i64 = 6, double = 7, binary = 8, list = 9, set = 10, map = 11, structure = 12
    }

    private(set) var bytes: [UInt8] = []
    private var lastFieldIDs: [Int16] = [0]

    mutating func beginStruct() {
        lastFieldIDs.append(0)
    }

    mutating func endStruct() {
        bytes.append(0)
        lastFieldIDs.removeLast()
    }

    mutating func field(_ id: Int16, _ type: FieldType) {
        let delta = id - lastFieldIDs[lastFieldIDs.count - 1]
        if delta > 0 && delta <= 15 {
            bytes.append(UInt8(delta) << 4 | type.rawValue)
        } else {
            bytes.append(type.rawValue)
            varint(zigzag(Int64(id)))
        }
        lastFieldIDs[lastFieldIDs.count - 1] = id
    }

    mutating func i32(_ id: Int16, _ value: Int32) {
        field(id, .i32)
        varint(zigzag(Int64(value)))
    }

    mutating func i64(_ id: Int16, _ value: Int64) {
        field(id, .i64)
        varint(zigzag(value))
    }

    mutating func binary(_ id: Int16, _ text: String) {
        field(id, .binary)
        binaryValue(Array(text.utf8))
    }

    mutating func binaryValue(_ value: [UInt8]) {
        varint(UInt64(value.count))
        bytes.append(contentsOf: value)
    }

    /// A list field's header; its `count` elements of `element` type follow.
    mutating func list(_ id: Int16, of element: FieldType, count: Int) {
        field(id, .list)
        listHeader(of: element, count: count)
    }

    mutating func listHeader(of element: FieldType, count: Int) {
        if count < 15 {
            bytes.append(UInt8(count) << 4 | element.rawValue)
        } else {
            bytes.append(0xF0 | element.rawValue)
            varint(UInt64(count))
        }
    }

    /// A list element of type i32 (list elements carry no field header).
    mutating func i32Element(_ value: Int32) {
        varint(zigzag(Int64(value)))
    }

    mutating func varint(_ value: UInt64) {
        var value = value
        while value >= 0x80 {
            bytes.append(UInt8(value & 0x7F) | 0x80)
            value >>= 7
        }
        bytes.append(UInt8(value))
    }

    private func zigzag(_ value: Int64) -> UInt64 {
        UInt64(bitPattern: (value << 1) ^ (value >> 63))
    }
}
