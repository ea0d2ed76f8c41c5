import CRabbitMQ
import Foundation

/// Owns the C memory that a Swift value needs while rabbitmq-c reads it (strings,
/// field tables), and frees all of it at once when the call is done.
final class CArena {
    private var allocations: [UnsafeMutableRawPointer] = []

    deinit { allocations.forEach { free($0) } }

    /// Copies `string` (UTF-8, not NUL-terminated for rabbitmq-c) into the arena.
    func bytes(_ string: String) -> amqp_bytes_t {
        bytes(Array(string.utf8))
    }

    func bytes(_ array: [UInt8]) -> amqp_bytes_t {
        guard !array.isEmpty else { return amqp_empty_bytes }
        let memory = allocate(array.count)
        array.withUnsafeBytes { memory.copyMemory(from: $0.baseAddress!, byteCount: array.count) }
        return amqp_bytes_t(len: array.count, bytes: memory)
    }

    /// A NUL-terminated copy, for the few calls that take C strings.
    func cString(_ string: String) -> UnsafePointer<CChar> {
        let utf8 = Array(string.utf8CString)
        let memory = allocate(utf8.count)
        utf8.withUnsafeBytes { memory.copyMemory(from: $0.baseAddress!, byteCount: utf8.count) }
        return UnsafePointer(memory.assumingMemoryBound(to: CChar.self))
    }

    func table(_ fields: [String: AMQPFieldValue]) -> amqp_table_t {
        guard !fields.isEmpty else { return amqp_empty_table }
        let entries = allocate(MemoryLayout<amqp_table_entry_t>.stride * fields.count)
            .bindMemory(to: amqp_table_entry_t.self, capacity: fields.count)
        // Sorted so that the same arguments always encode the same way.
        for (index, (key, value)) in fields.sorted(by: { $0.key < $1.key }).enumerated() {
            entries[index] = amqp_table_entry_t(key: bytes(key), value: fieldValue(value))
        }
        return amqp_table_t(num_entries: Int32(fields.count), entries: entries)
    }

    private func fieldValue(_ value: AMQPFieldValue) -> amqp_field_value_t {
        var field = amqp_field_value_t()
        switch value {
        case .bool(let bool):
            field.kind = kind(AMQP_FIELD_KIND_BOOLEAN)
            field.value.boolean = bool ? 1 : 0
        case .int(let int):
            field.kind = kind(AMQP_FIELD_KIND_I64)
            field.value.i64 = int
        case .double(let double):
            field.kind = kind(AMQP_FIELD_KIND_F64)
            field.value.f64 = double
        case .string(let string):
            field.kind = kind(AMQP_FIELD_KIND_UTF8)
            field.value.bytes = bytes(string)
        case .bytes(let array):
            field.kind = kind(AMQP_FIELD_KIND_BYTES)
            field.value.bytes = bytes(array)
        case .timestamp(let date):
            field.kind = kind(AMQP_FIELD_KIND_TIMESTAMP)
            field.value.u64 = UInt64(max(0, date.timeIntervalSince1970))
        case .array(let values):
            field.kind = kind(AMQP_FIELD_KIND_ARRAY)
            let entries = allocate(MemoryLayout<amqp_field_value_t>.stride * max(1, values.count))
                .bindMemory(to: amqp_field_value_t.self, capacity: max(1, values.count))
            for (index, element) in values.enumerated() { entries[index] = fieldValue(element) }
            field.value.array = amqp_array_t(num_entries: Int32(values.count), entries: entries)
        case .table(let fields):
            field.kind = kind(AMQP_FIELD_KIND_TABLE)
            field.value.table = table(fields)
        case .void:
            field.kind = kind(AMQP_FIELD_KIND_VOID)
        }
        return field
    }

    private func allocate(_ count: Int) -> UnsafeMutableRawPointer {
        let memory = malloc(max(1, count))!
        allocations.append(memory)
        return memory
    }
}

func kind(_ value: amqp_field_value_kind_t) -> UInt8 { UInt8(value.rawValue) }

extension amqp_bytes_t {
    /// A Swift copy of the bytes, safe to keep after rabbitmq-c frees or reuses its buffer.
    var array: [UInt8] {
        guard len > 0, let bytes else { return [] }
        return Array(UnsafeRawBufferPointer(start: bytes, count: len))
    }

    var string: String { String(decoding: array, as: UTF8.self) }
}

extension AMQPFieldValue {
    /// Copies a rabbitmq-c field value into Swift.
    init(_ field: amqp_field_value_t) {
        let value = field.value
        switch amqp_field_value_kind_t(rawValue: UInt32(field.kind)) {
        case AMQP_FIELD_KIND_BOOLEAN: self = .bool(value.boolean != 0)
        case AMQP_FIELD_KIND_I8: self = .int(Int64(value.i8))
        case AMQP_FIELD_KIND_U8: self = .int(Int64(value.u8))
        case AMQP_FIELD_KIND_I16: self = .int(Int64(value.i16))
        case AMQP_FIELD_KIND_U16: self = .int(Int64(value.u16))
        case AMQP_FIELD_KIND_I32: self = .int(Int64(value.i32))
        case AMQP_FIELD_KIND_U32: self = .int(Int64(value.u32))
        case AMQP_FIELD_KIND_I64: self = .int(value.i64)
        case AMQP_FIELD_KIND_U64: self = .int(Int64(truncatingIfNeeded: value.u64))
        case AMQP_FIELD_KIND_F32: self = .double(Double(value.f32))
        case AMQP_FIELD_KIND_F64: self = .double(value.f64)
        case AMQP_FIELD_KIND_DECIMAL:
            self = .double(Double(value.decimal.value) / pow(10, Double(value.decimal.decimals)))
        case AMQP_FIELD_KIND_UTF8: self = .string(value.bytes.string)
        case AMQP_FIELD_KIND_BYTES: self = .bytes(value.bytes.array)
        case AMQP_FIELD_KIND_TIMESTAMP: self = .timestamp(Date(timeIntervalSince1970: TimeInterval(value.u64)))
        case AMQP_FIELD_KIND_ARRAY:
            let array = value.array
            self = .array((0..<Int(array.num_entries)).map { AMQPFieldValue(array.entries[$0]) })
        case AMQP_FIELD_KIND_TABLE: self = .table([String: AMQPFieldValue](value.table))
        default: self = .void
        }
    }
}

extension Dictionary where Key == String, Value == AMQPFieldValue {
    /// Copies a rabbitmq-c field table into Swift.
    init(_ table: amqp_table_t) {
        self.init()
        for index in 0..<Int(table.num_entries) {
            let entry = table.entries[index]
            self[entry.key.string] = AMQPFieldValue(entry.value)
        }
    }
}
