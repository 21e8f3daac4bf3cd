/// `--k auto`: the number of segments the data supports, with the scores that chose it, so
/// that a report can say why.
public enum ClusterCount {
    public enum Criterion: String, Sendable, Codable {
        /// k-means' mean silhouette, highest wins (computed on at most `silhouetteSample` points).
        case silhouette
        /// A diagonal Gaussian mixture's BIC, lowest wins.
        case bic
    }

    public struct Choice: Sendable, Equatable {
        public var k: Int
        public var criterion: Criterion
        /// Each candidate k with its score.
        public var scores: [Int: Double]
        /// The silhouette criterion's k-means fit of the chosen k, so that a caller does not fit
        /// it again (at a million people, one fit is seconds).
        public var kMeans: KMeans.Result?

        /// "k = 4: silhouette 0.879 (k = 3: 0.743, k = 5: 0.731)".
        public var reason: String {
            let others = scores.keys.sorted().filter { $0 != k }.map { "k = \($0): \(Self.format(scores[$0]!))" }
            return "k = \(k): \(criterion.rawValue) \(Self.format(scores[k]!))" + (others.isEmpty ? "" : " (\(others.joined(separator: ", ")))")
        }

        static func format(_ x: Double) -> String {
            abs(x) >= 100 ? String(Int(x.rounded())) : String(Double(Int((x * 1000).rounded())) / 1000)
        }
    }

    public static let silhouetteSample = 5_000

    public static func choose(
        _ points: PointMatrix, candidates: ClosedRange<Int>, criterion: Criterion, restarts: Int = 10, seed: UInt64 = 1, threads: Int = 1
    ) -> Choice {
        precondition(candidates.lowerBound >= 2 && candidates.upperBound <= points.rows, "2 <= k <= the number of points")
        var scores: [Int: Double] = [:]
        var fits: [Int: KMeans.Result] = [:]
        let sample = Self.sample(points, limit: silhouetteSample, seed: seed)
        for k in candidates {
            switch criterion {
            case .silhouette:
                let fitted = KMeans(k: k, restarts: restarts, seed: seed, threads: threads).fit(points)
                let labels = sample.rows.map { fitted.labels[$0] }
                scores[k] = ClusterQuality.silhouette(sample.matrix, labels: labels)
                fits[k] = fitted
            case .bic:
                scores[k] = GaussianMixture(k: k, restarts: max(1, restarts / 2), seed: seed).fit(points).bic
            }
        }
        let best = criterion == .silhouette ? scores.max { $0.value < $1.value }! : scores.min { $0.value < $1.value }!
        // The smallest k among equal scores, so that the choice does not depend on dictionary order.
        let k = scores.filter { $0.value == best.value }.keys.min()!
        return Choice(k: k, criterion: criterion, scores: scores, kMeans: fits[k])
    }

    /// At most `limit` points, drawn without replacement by seed; all of them when there are few.
    static func sample(_ points: PointMatrix, limit: Int, seed: UInt64) -> (matrix: PointMatrix, rows: [Int]) {
        guard points.rows > limit else { return (points, Array(0..<points.rows)) }
        var random = SeededGenerator(seed: seed)
        var rows = Array(0..<points.rows)
        for i in 0..<limit { rows.swapAt(i, i + random.nextInt(below: points.rows - i)) }
        let chosen = Array(rows[0..<limit]).sorted()
        var values: [Double] = []
        values.reserveCapacity(limit * points.columns)
        for row in chosen { points.withRow(row) { values.append(contentsOf: $0) } }
        return (PointMatrix(rows: limit, columns: points.columns, values: values), chosen)
    }
}
