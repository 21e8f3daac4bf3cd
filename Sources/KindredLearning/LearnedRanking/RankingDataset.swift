/// Rows of candidate features grouped by query (one person's list): what a learning-to-rank
/// model trains on. Labels are graded relevance (0 not chosen; higher is better), compared only
/// within a group, so a group whose labels are all equal teaches nothing and is worth leaving out.
public struct RankingDataset: Sendable, Equatable {
    public let featureCount: Int
    /// Row-major: row `r`'s features are `features[r * featureCount ..< (r + 1) * featureCount]`.
    public private(set) var features: [Float]
    public private(set) var labels: [Float]
    /// Per row, how much the pairs it is the more relevant member of count: 1 unless the row's
    /// outcome was logged under a policy that showed it with a probability below 1, whose
    /// inverse (Joachims et al. 2017, "Unbiased learning-to-rank with biased feedback") makes
    /// up for the lists in which it was not shown. Empty when every row weighs 1.
    public private(set) var weights: [Float]
    /// Group `g` holds rows `groupStarts[g] ..< groupStarts[g + 1]`.
    public private(set) var groupStarts: [Int]

    public init(featureCount: Int) {
        precondition(featureCount > 0, "a ranking dataset needs at least one feature")
        self.featureCount = featureCount
        self.features = []
        self.labels = []
        self.weights = []
        self.groupStarts = [0]
    }

    public var rowCount: Int { labels.count }
    public var groupCount: Int { groupStarts.count - 1 }

    public func group(_ index: Int) -> Range<Int> { groupStarts[index]..<groupStarts[index + 1] }

    public func value(row: Int, feature: Int) -> Float { features[row * featureCount + feature] }

    /// Whether some row weighs other than 1 (and `weights` then holds one per row).
    public private(set) var isWeighted = false

    /// Appends one query's candidates: `rows` flat and row-major, one label per row, and one
    /// positive weight per row when given (nil: 1 each).
    public mutating func appendGroup(features rows: [Float], labels rowLabels: [Float], weights rowWeights: [Float]? = nil) {
        precondition(rows.count == rowLabels.count * featureCount, "each row needs exactly \(featureCount) features")
        precondition(
            rowWeights.map { $0.count == rowLabels.count && $0.allSatisfy { $0 > 0 && $0.isFinite } } ?? true, "one positive weight per row"
        )
        guard !rowLabels.isEmpty else { return }
        if let rowWeights, !isWeighted, rowWeights.contains(where: { $0 != 1 }) {
            // The rows before weighed 1 each (none, when this is the first group).
            weights = [Float](repeating: 1, count: labels.count)
            isWeighted = true
        }
        features.append(contentsOf: rows)
        labels.append(contentsOf: rowLabels)
        if isWeighted { weights.append(contentsOf: rowWeights ?? [Float](repeating: 1, count: rowLabels.count)) }
        groupStarts.append(labels.count)
    }

    /// Calls `body` with one row's features, without copying them.
    @inline(__always)
    public func withRow<Result>(_ row: Int, _ body: (UnsafeBufferPointer<Float>) -> Result) -> Result {
        features.withUnsafeBufferPointer { all in
            body(UnsafeBufferPointer(rebasing: all[(row * featureCount)..<((row + 1) * featureCount)]))
        }
    }
}
