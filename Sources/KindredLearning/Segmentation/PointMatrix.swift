/// Points to cluster: one row per person, one column per feature, row-major Doubles. The
/// algorithms below read it and never copy it.
public struct PointMatrix: Sendable, Equatable {
    public let rows: Int
    public let columns: Int
    public private(set) var values: [Double]

    public init(rows: Int, columns: Int, values: [Double]) {
        precondition(rows >= 0 && columns > 0 && values.count == rows * columns, "values hold rows x columns numbers")
        precondition(values.allSatisfy(\.isFinite), "points are finite")
        self.rows = rows
        self.columns = columns
        self.values = values
    }

    /// From rows of equal length.
    public init(_ points: [[Double]]) {
        let columns = points.first?.count ?? 1
        precondition(points.allSatisfy { $0.count == columns }, "every point has the same number of features")
        self.init(rows: points.count, columns: columns, values: points.flatMap { $0 })
    }

    public subscript(row: Int, column: Int) -> Double { values[row * columns + column] }

    /// Calls `body` with one row's values, without copying them.
    @inline(__always)
    public func withRow<T>(_ row: Int, _ body: (UnsafeBufferPointer<Double>) -> T) -> T {
        values.withUnsafeBufferPointer { all in body(UnsafeBufferPointer(rebasing: all[(row * columns)..<((row + 1) * columns)])) }
    }

    /// Each column shifted to mean 0 and scaled to standard deviation 1 (the population one, as
    /// scikit-learn's StandardScaler uses); a constant column becomes all zeros. Features in
    /// different units (days, counts, money) then weigh alike in a distance.
    public func standardized() -> (matrix: PointMatrix, means: [Double], deviations: [Double]) {
        var means = [Double](repeating: 0, count: columns)
        var deviations = [Double](repeating: 0, count: columns)
        guard rows > 0 else { return (self, means, deviations) }
        for row in 0..<rows { for column in 0..<columns { means[column] += values[row * columns + column] } }
        for column in 0..<columns { means[column] /= Double(rows) }
        for row in 0..<rows {
            for column in 0..<columns {
                let d = values[row * columns + column] - means[column]
                deviations[column] += d * d
            }
        }
        for column in 0..<columns { deviations[column] = (deviations[column] / Double(rows)).squareRoot() }
        var scaled = values
        for row in 0..<rows {
            for column in 0..<columns {
                let sd = deviations[column]
                scaled[row * columns + column] = sd > 0 ? (values[row * columns + column] - means[column]) / sd : 0
            }
        }
        return (PointMatrix(rows: rows, columns: columns, values: scaled), means, deviations)
    }
}

/// Squared Euclidean distance between a row and a centroid.
@inline(__always)
func squaredDistance(_ a: UnsafeBufferPointer<Double>, _ b: UnsafeBufferPointer<Double>) -> Double {
    var sum = 0.0
    for i in 0..<a.count {
        let d = a[i] - b[i]
        sum += d * d
    }
    return sum
}

/// The same sum over two rows given by their first element: the inner loops of k-means, which
/// walk raw memory rather than slicing buffers.
@inline(__always)
func squaredDistance(_ a: UnsafePointer<Double>, _ b: UnsafePointer<Double>, count: Int) -> Double {
    var sum = 0.0
    for i in 0..<count {
        let d = a[i] - b[i]
        sum += d * d
    }
    return sum
}
