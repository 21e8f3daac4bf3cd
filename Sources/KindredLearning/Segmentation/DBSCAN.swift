/// Density-based clusters (Ester et al. 1996) as scikit-learn's `DBSCAN` labels them: a point
/// with at least `minPoints` points (itself included) within `radius` is a core point; clusters
/// are the core points reachable from one another, plus the points within `radius` of them;
/// everything else is noise (label -1), which a shop may keep as a segment of its own. Clusters
/// are numbered in the order of their first core point, and a point within reach of two
/// clusters joins the earlier, so the labels match scikit-learn's exactly. Unlike k-means it
/// finds clusters of any shape, and decides their number itself.
///
/// Neighbours are found by comparing every pair: fine for tens of thousands of people.
public struct DBSCAN: Sendable, Equatable {
    public var radius: Double
    public var minPoints: Int

    public init(radius: Double, minPoints: Int = 5) {
        precondition(radius > 0 && minPoints >= 1, "a positive radius and at least one point")
        self.radius = radius
        self.minPoints = minPoints
    }

    public static let noise = -1

    public struct Result: Sendable, Equatable {
        public var labels: [Int]
        public var clusters: Int
        public var corePoints: [Bool]
        public var noisePoints: Int { labels.count { $0 == DBSCAN.noise } }
    }

    public func fit(_ points: PointMatrix) -> Result {
        let n = points.rows, limit = radius * radius
        var neighbours = [[Int]](repeating: [], count: n)
        for i in 0..<n {
            points.withRow(i) { a in
                for j in 0..<n where points.withRow(j, { b in squaredDistance(a, b) }) <= limit { neighbours[i].append(j) }
            }
        }
        let core = neighbours.map { $0.count >= minPoints }
        var labels = [Int](repeating: Self.noise, count: n)
        var clusters = 0
        for start in 0..<n where labels[start] == Self.noise && core[start] {
            labels[start] = clusters
            var stack = [start]
            while let point = stack.popLast() {
                guard core[point] else { continue }
                for neighbour in neighbours[point] where labels[neighbour] == Self.noise {
                    labels[neighbour] = clusters
                    if core[neighbour] { stack.append(neighbour) }
                }
            }
            clusters += 1
        }
        return Result(labels: labels, clusters: clusters, corePoints: core)
    }
}
