import Foundation
import SluiceColumns
import SluiceNormalize

/// A job's validated records as the normalizer works on them: the columns of
/// `validated.parquet` as the validator wrote them, and a copy of the values that
/// ``normalizeInPlace(_:)`` rescales (8 bytes a record), so the output carries both the
/// submitted value and its rescaled `z`.
struct ValidatedRecords: Sendable {
    let columns: RecordColumns
    private let scaled: ValueColumn

    var categories: [UInt32] { columns.categoryCodes }
    /// The distinct categories, in order of first appearance.
    var categoryNames: [String] { columns.categoryNames }
    var values: [Double] { scaled.values }
    var count: Int { columns.count }

    init(_ columns: RecordColumns) {
        self.columns = columns
        scaled = ValueColumn(columns.values)
    }

    /// Rescales the values in place with `body`, which gets them as input and output at
    /// once (every method reads a value before it writes it), and returns them.
    func normalizeInPlace<E: Error>(
        _ body: (NormalizationInput, UnsafeMutableBufferPointer<Double>) throws(E) -> NormalizationSummary
    ) throws(E) -> Normalized {
        let summary = try scaled.values.withUnsafeMutableBufferPointer { values throws(E) in
            try columns.categoryCodes.withUnsafeBufferPointer { categories throws(E) in
                try body(NormalizationInput(values: UnsafeBufferPointer(values), categories: categories, categoryCount: columns.categoryNames.count), values)
            }
        }
        return Normalized(scaled: scaled.values, summary: summary)
    }

    /// The columns with `z` added: what `normalized.parquet` holds.
    func normalized(_ z: [Double]) -> RecordColumns {
        var output = columns
        output.z = z
        return output
    }
}

/// A job's values, held by reference so that normalizing them in place does not copy them.
///
/// `@unchecked Sendable`: one thread at a time touches it: the stage hands the records to
/// a thread and awaits it before the next step, and no two steps overlap.
private final class ValueColumn: @unchecked Sendable {
    var values: [Double]

    init(_ values: [Double]) {
        self.values = values
    }
}
