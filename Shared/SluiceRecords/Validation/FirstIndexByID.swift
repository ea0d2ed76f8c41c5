/// The index of the first record with each id, for telling duplicates.
///
/// Ids that keep growing (the usual 1, 2, 3, …) go into an array in order, with no
/// hashing: a growing id cannot have been seen. The first id that does not grow moves
/// them all into a hash table, which answers from then on. Ten million ascending ids
/// cost an append each instead of a hash-table insert with a cache miss.
struct FirstIndexByID {
    private var ascending: [(id: Int64, index: Int)] = []
    private var table: [Int64: Int]?
    private let capacity: Int

    /// `capacity`: how many ids are expected, reserved up front.
    init(capacity: Int) {
        self.capacity = capacity
        ascending.reserveCapacity(capacity)
    }

    /// The index of an earlier record with `id`; nil when there is none, after
    /// recording `index` as the first with it.
    mutating func firstIndex(of id: Int64, recording index: Int) -> Int? {
        if table == nil {
            guard let last = ascending.last, id <= last.id else {
                ascending.append((id, index))
                return nil
            }
            var hashed = [Int64: Int](minimumCapacity: capacity)
            for entry in ascending { hashed[entry.id] = entry.index }
            ascending = []
            table = hashed
        }
        if let first = table?[id] { return first }
        table?[id] = index
        return nil
    }
}
