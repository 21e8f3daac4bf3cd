import Foundation

/// Centroids that move as new behaviour arrives and forget old behaviour at a half-life: the
/// update of Spark MLlib's `StreamingKMeans`. Each cluster carries a weight (how many points it
/// stands for, discounted); a batch moves each centroid toward the mean of the batch's points
/// nearest to it, in proportion to their number against the discounted weight:
///
///     c' = (c n a + x m) / (n a + m),   n' = n a + m,   a = 0.5 ^ (elapsed / halfLife)
///
/// where x and m are the mean and count of the batch's points assigned to the cluster.
public struct StreamingKMeans: Sendable, Equatable {
    public private(set) var centroids: PointMatrix
    public private(set) var weights: [Double]

    public init(centroids: PointMatrix, weights: [Double]) {
        precondition(weights.count == centroids.rows && weights.allSatisfy { $0 >= 0 }, "one weight per centroid, none negative")
        self.centroids = centroids
        self.weights = weights
    }

    /// The discount for `elapsed` time units at a half-life of `halfLife` of them.
    public static func decay(elapsed: Double, halfLife: Double) -> Double {
        precondition(halfLife > 0 && elapsed >= 0, "a positive half-life and time going forward")
        return pow(0.5, elapsed / halfLife)
    }

    /// Folds in a batch of points after `decay` (1 keeps all the past, 0 forgets it); returns
    /// each point's cluster.
    @discardableResult
    public mutating func update(with batch: PointMatrix, decay: Double) -> [Int] {
        precondition(batch.columns == centroids.columns, "points with the centroids' features")
        precondition((0...1).contains(decay), "a discount between 0 and 1")
        let k = centroids.rows, d = centroids.columns
        let labels = (0..<batch.rows).map { row in KMeans.nearest((0..<d).map { batch[row, $0] }, centroids: centroids) }
        var sums = [Double](repeating: 0, count: k * d)
        var counts = [Double](repeating: 0, count: k)
        for (row, label) in labels.enumerated() {
            counts[label] += 1
            for column in 0..<d { sums[label * d + column] += batch[row, column] }
        }
        var values = centroids.values
        for cluster in 0..<k {
            let kept = weights[cluster] * decay
            let total = kept + counts[cluster]
            weights[cluster] = total
            guard counts[cluster] > 0, total > 0 else { continue }
            for column in 0..<d {
                values[cluster * d + column] = (values[cluster * d + column] * kept + sums[cluster * d + column]) / total
            }
        }
        centroids = PointMatrix(rows: k, columns: d, values: values)
        return labels
    }
}
