/// How good a clustering is, and how alike two clusterings are: what `--k auto` chooses by and
/// what the comparison with scikit-learn reports.
public enum ClusterQuality {
    /// The mean silhouette (Rousseeuw 1987) over all points, Euclidean: for each point, (b - a) /
    /// max(a, b) with a its mean distance to the rest of its cluster and b the least mean distance
    /// to another cluster; 0 for a point alone in its cluster, as scikit-learn counts it. From
    /// -1 to 1, higher is better. Compares every pair: sample large sets first.
    public static func silhouette(_ points: PointMatrix, labels: [Int]) -> Double {
        precondition(labels.count == points.rows, "one label per point")
        let clusters = Set(labels).sorted()
        guard clusters.count >= 2 else { return 0 }
        let index = Dictionary(uniqueKeysWithValues: clusters.enumerated().map { ($1, $0) })
        let sizes = labels.reduce(into: [Int](repeating: 0, count: clusters.count)) { $0[index[$1]!] += 1 }
        var total = 0.0
        var sums = [Double](repeating: 0, count: clusters.count)
        for i in 0..<points.rows {
            for c in sums.indices { sums[c] = 0 }
            points.withRow(i) { a in
                for j in 0..<points.rows where j != i {
                    sums[index[labels[j]]!] += points.withRow(j) { b in squaredDistance(a, b) }.squareRoot()
                }
            }
            let own = index[labels[i]]!
            guard sizes[own] > 1 else { continue }
            let a = sums[own] / Double(sizes[own] - 1)
            var b = Double.infinity
            for c in sums.indices where c != own { b = min(b, sums[c] / Double(sizes[c])) }
            total += (b - a) / max(a, b)
        }
        return total / Double(points.rows)
    }

    /// The adjusted Rand index (Hubert and Arabie 1985): 1 when two labelings group the points
    /// alike whatever the numbers they use, about 0 for chance agreement.
    public static func adjustedRandIndex(_ first: [Int], _ second: [Int]) -> Double {
        precondition(first.count == second.count, "labels of the same points")
        let n = first.count
        guard n > 1 else { return 1 }
        var table: [Pair: Int] = [:]
        var rows: [Int: Int] = [:], columns: [Int: Int] = [:]
        for (a, b) in zip(first, second) {
            table[Pair(a: a, b: b), default: 0] += 1
            rows[a, default: 0] += 1
            columns[b, default: 0] += 1
        }
        func pairs(_ x: Int) -> Double { Double(x) * Double(x - 1) / 2 }
        let index = table.values.reduce(0) { $0 + pairs($1) }
        let rowPairs = rows.values.reduce(0) { $0 + pairs($1) }
        let columnPairs = columns.values.reduce(0) { $0 + pairs($1) }
        let expected = rowPairs * columnPairs / pairs(n)
        let maximum = (rowPairs + columnPairs) / 2
        // Both labelings put every point alone, or all together: identical.
        guard maximum != expected else { return 1 }
        return (index - expected) / (maximum - expected)
    }

    private struct Pair: Hashable {
        var a: Int
        var b: Int
    }
}
