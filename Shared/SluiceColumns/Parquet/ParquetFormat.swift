/// The numbers of the Parquet format (parquet.thrift) that Sluice's parts use.
enum ParquetFormat {
    static let magic = Array("PAR1".utf8)

    /// `Type`.
    enum PhysicalType: Int32 {
        case int64 = 2, double = 5, byteArray = 6
    }

    /// `Encoding`: values in data pages; dictionary pages and dictionary-coded data pages
    /// use `PLAIN_DICTIONARY`, the form every Parquet reader knows.
    enum Encoding: Int32 {
        case plain = 0, plainDictionary = 2, rle = 3, rleDictionary = 8
    }

    /// `PageType`.
    enum PageType: Int32 {
        case dataPage = 0, dictionaryPage = 2
    }

    /// `FieldRepetitionType.REQUIRED`, `ConvertedType.UTF8`, `CompressionCodec.UNCOMPRESSED`.
    static let required: Int32 = 0
    static let utf8: Int32 = 0
    static let uncompressed: Int32 = 0

    /// One column of the fixed schema (``RecordParquet``).
    struct Column {
        let name: String
        let type: PhysicalType
        var isString: Bool { type == .byteArray }
    }

    static let recordColumns = [
        Column(name: "id", type: .int64),
        Column(name: "value", type: .double),
        Column(name: "category", type: .byteArray),
    ]
    static let z = Column(name: "z", type: .double)
}
