/// Ordered sequences of item indices (sessions, or a person's visits), stored flat: what
/// sequence models such as item2vec learn from and what next-item evaluation walks. A matrix
/// of weights forgets the order in which things happened; these keep it.
public struct ItemSequences: Sendable, Equatable {
    /// Every sequence's items, one after another.
    public private(set) var items: [Int32] = []
    /// Sequence `s` is `items[starts[s]..<starts[s + 1]]`.
    public private(set) var starts: [Int] = [0]

    public init() {}

    /// Sequences given as arrays (consecutive repeats are collapsed, as `append` does).
    public init(_ sequences: [[Int32]]) {
        for sequence in sequences { append(sequence) }
    }

    public var count: Int { starts.count - 1 }
    public var tokenCount: Int { items.count }

    public subscript(sequence: Int) -> ArraySlice<Int32> {
        items[starts[sequence]..<starts[sequence + 1]]
    }

    /// Adds one sequence. An item repeated back to back (a view, then a click, then a cart of
    /// the same product) is one step: the sequence records moves from one item to another.
    /// Empty sequences are not kept.
    public mutating func append<S: Sequence>(_ sequence: S) where S.Element == Int32 {
        let start = items.count
        for item in sequence where items.count == start || items.last != item { items.append(item) }
        if items.count > start { starts.append(items.count) }
    }

    /// Each row of a matrix as a sequence in column order: the best that can be done when the
    /// order of events is not known.
    public init(rows matrix: SparseMatrix) {
        for row in 0..<matrix.rows { append(matrix.row(row).columns) }
    }

    /// Groups events into sequences. An event with a session number (> 0) belongs to that
    /// session; the others are grouped per person and split where the person was idle for more
    /// than `idleGapMs`, the usual definition of a visit. Within a sequence events are in time
    /// order, ties in the order given (the order of a basket's lines).
    ///
    /// - Parameters:
    ///   - indices: the events to use, by position in the other arrays.
    public static func grouping(
        indices: [Int], users: [Int32], items: [Int32], times: [Int64], sessions: [Int32], idleGapMs: Int64 = 30 * 60_000
    ) -> ItemSequences {
        // Sessions sort before people's loose events; a sort key per event, then one pass.
        let order = indices.sorted { a, b in
            let sa = sessions[a]
            let sb = sessions[b]
            if (sa > 0) != (sb > 0) { return sa > 0 }
            if sa > 0 {
                if sa != sb { return sa < sb }
            } else if users[a] != users[b] {
                return users[a] < users[b]
            }
            if times[a] != times[b] { return times[a] < times[b] }
            return a < b
        }
        var result = ItemSequences()
        var current: [Int32] = []
        var previous: Int?
        for index in order {
            if let last = previous {
                let sameSession = sessions[index] > 0 && sessions[index] == sessions[last]
                let sameVisit =
                    sessions[index] == 0 && sessions[last] == 0 && users[index] == users[last]
                    && times[index] - times[last] <= idleGapMs
                if !(sameSession || sameVisit) {
                    result.append(current)
                    current.removeAll(keepingCapacity: true)
                }
            }
            current.append(items[index])
            previous = index
        }
        result.append(current)
        return result
    }

    /// How often each item occurs, over `itemCount` items.
    public func counts(itemCount: Int) -> [Int] {
        var counts = [Int](repeating: 0, count: itemCount)
        for item in items where Int(item) < itemCount { counts[Int(item)] += 1 }
        return counts
    }
}
