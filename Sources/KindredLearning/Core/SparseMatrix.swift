/// A compressed sparse row matrix of Float values on dense integer indices: rows are users
/// (or items, after `transposed()`), columns the other side. The layout every algorithm reads.
public struct SparseMatrix: Sendable, Equatable {
    public let rows: Int
    public let columns: Int
    /// `rowStarts[r]..<rowStarts[r + 1]` are row r's entries; count rows + 1.
    public let rowStarts: [Int]
    public let columnIndices: [Int32]
    public let values: [Float]

    public var nonZeroCount: Int { values.count }

    public init(rows: Int, columns: Int, rowStarts: [Int], columnIndices: [Int32], values: [Float]) {
        precondition(rowStarts.count == rows + 1 && columnIndices.count == values.count, "inconsistent CSR arrays")
        self.rows = rows
        self.columns = columns
        self.rowStarts = rowStarts
        self.columnIndices = columnIndices
        self.values = values
    }

    /// Builds a matrix from (row, column, value) entries, summing duplicates, with each row's
    /// columns sorted. Entries whose summed value is not positive are dropped when
    /// `keepPositiveOnly` is set (a return that cancels a purchase leaves nothing).
    public init(rows: Int, columns: Int, entries: [(row: Int32, column: Int32, value: Float)], keepPositiveOnly: Bool = false) {
        var counts = [Int](repeating: 0, count: rows + 1)
        for entry in entries { counts[Int(entry.row) + 1] += 1 }
        for r in 0..<rows { counts[r + 1] += counts[r] }
        var next = counts
        var cols = [Int32](repeating: 0, count: entries.count)
        var vals = [Float](repeating: 0, count: entries.count)
        for entry in entries {
            let slot = next[Int(entry.row)]
            cols[slot] = entry.column
            vals[slot] = entry.value
            next[Int(entry.row)] += 1
        }
        // Sort each row by column and merge duplicates.
        var starts = [0]
        starts.reserveCapacity(rows + 1)
        var outCols: [Int32] = []
        var outVals: [Float] = []
        outCols.reserveCapacity(entries.count)
        outVals.reserveCapacity(entries.count)
        for r in 0..<rows {
            let range = counts[r]..<counts[r + 1]
            let order = range.sorted { cols[$0] < cols[$1] }
            var index = 0
            while index < order.count {
                let column = cols[order[index]]
                var sum: Float = 0
                while index < order.count, cols[order[index]] == column {
                    sum += vals[order[index]]
                    index += 1
                }
                if !keepPositiveOnly || sum > 0 {
                    outCols.append(column)
                    outVals.append(sum)
                }
            }
            starts.append(outCols.count)
        }
        self.init(rows: rows, columns: columns, rowStarts: starts, columnIndices: outCols, values: outVals)
    }

    public func row(_ r: Int) -> (columns: ArraySlice<Int32>, values: ArraySlice<Float>) {
        let range = rowStarts[r]..<rowStarts[r + 1]
        return (columnIndices[range], values[range])
    }

    public func rowLength(_ r: Int) -> Int { rowStarts[r + 1] - rowStarts[r] }

    /// The same entries with rows and columns swapped (CSR of the transpose = CSC of self).
    public func transposed() -> SparseMatrix {
        var counts = [Int](repeating: 0, count: columns + 1)
        for c in columnIndices { counts[Int(c) + 1] += 1 }
        for c in 0..<columns { counts[c + 1] += counts[c] }
        var next = counts
        var cols = [Int32](repeating: 0, count: nonZeroCount)
        var vals = [Float](repeating: 0, count: nonZeroCount)
        for r in 0..<rows {
            for k in rowStarts[r]..<rowStarts[r + 1] {
                let c = Int(columnIndices[k])
                cols[next[c]] = Int32(r)
                vals[next[c]] = values[k]
                next[c] += 1
            }
        }
        return SparseMatrix(rows: columns, columns: rows, rowStarts: counts, columnIndices: cols, values: vals)
    }

    /// The same pattern with every value replaced by `transform(value)`.
    public func mapValues(_ transform: (Float) -> Float) -> SparseMatrix {
        SparseMatrix(rows: rows, columns: columns, rowStarts: rowStarts, columnIndices: columnIndices, values: values.map(transform))
    }
}

/// One user's interactions: sorted item indices and their weights.
public struct SparseVector: Sendable, Equatable {
    public var indices: [Int32]
    public var values: [Float]

    public init(indices: [Int32] = [], values: [Float] = []) {
        self.indices = indices
        self.values = values
    }

    public init(row: (columns: ArraySlice<Int32>, values: ArraySlice<Float>)) {
        indices = Array(row.columns)
        values = Array(row.values)
    }

    public var isEmpty: Bool { indices.isEmpty }
}
