/// A job's records as columns: how validated and normalized data travel between the
/// stages once the submitted text has been read (see ``RecordParquet`` for the files).
///
/// Categories are dictionary-coded: `categoryCodes[i]` indexes `categoryNames`. Every
/// column has one entry per record, in record order; `z` (the rescaled value) is present
/// in normalized data only.
public struct RecordColumns: Sendable, Equatable {
    public var ids: [Int64]
    public var values: [Double]
    public var categoryCodes: [UInt32]
    /// The distinct categories, in order of first appearance.
    public var categoryNames: [String]
    public var z: [Double]?

    public var count: Int { ids.count }

    /// Creates columns; they must all have the same length and every code must index `categoryNames`.
    public init(ids: [Int64], values: [Double], categoryCodes: [UInt32], categoryNames: [String], z: [Double]? = nil) {
        precondition(values.count == ids.count && categoryCodes.count == ids.count && (z?.count ?? ids.count) == ids.count, "columns of different lengths")
        self.ids = ids
        self.values = values
        self.categoryCodes = categoryCodes
        self.categoryNames = categoryNames
        self.z = z
    }

    /// Builds the columns from records given as `(id, value, category)`, coding the
    /// categories in order of first appearance.
    public init<Records: Collection>(_ records: Records, id: (Records.Element) -> Int64, value: (Records.Element) -> Double, category: (Records.Element) -> String) {
        var ids: [Int64] = [], values: [Double] = [], codes: [UInt32] = []
        ids.reserveCapacity(records.count)
        values.reserveCapacity(records.count)
        codes.reserveCapacity(records.count)
        var dictionary = CategoryDictionary()
        for record in records {
            ids.append(id(record))
            values.append(value(record))
            codes.append(dictionary.code(of: category(record)))
        }
        self.init(ids: ids, values: values, categoryCodes: codes, categoryNames: dictionary.names)
    }
}
