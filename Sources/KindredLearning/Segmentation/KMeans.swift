import Foundation

/// k-means as scikit-learn's `KMeans` runs it: greedy k-means++ seeding (2 + ln k candidates per
/// step, the one that lowers the potential most kept), Lloyd's iterations until the centroids
/// move less than `tolerance` times the data's mean feature variance, and `restarts` runs from
/// different seeds, the lowest inertia kept. Seeded: the same seed gives the same clusters.
public struct KMeans: Sendable, Equatable {
    public var k: Int
    public var restarts = 10
    public var maxIterations = 300
    public var tolerance = 1e-4
    public var seed: UInt64 = 1

    public init(k: Int, restarts: Int = 10, maxIterations: Int = 300, tolerance: Double = 1e-4, seed: UInt64 = 1) {
        self.k = k
        self.restarts = restarts
        self.maxIterations = maxIterations
        self.tolerance = tolerance
        self.seed = seed
    }

    public struct Result: Sendable, Equatable {
        /// k rows of `columns` numbers.
        public var centroids: PointMatrix
        public var labels: [Int]
        /// Sum of squared distances of points to their centroid.
        public var inertia: Double
        public var iterations: Int
    }

    public func fit(_ points: PointMatrix) -> Result {
        precondition(k >= 1 && k <= points.rows, "1 <= k <= the number of points")
        precondition(restarts >= 1 && maxIterations >= 1, "at least one run of at least one iteration")
        var random = SeededGenerator(seed: seed)
        let threshold = tolerance * Self.meanVariance(points)
        var best: Result?
        for _ in 0..<restarts {
            let start = Self.plusPlusSeeds(points, k: k, random: &random)
            let result = Self.lloyd(points, centroids: start, maxIterations: maxIterations, threshold: threshold)
            if best == nil || result.inertia < best!.inertia { best = result }
        }
        return best!
    }

    static func meanVariance(_ points: PointMatrix) -> Double {
        let (_, _, deviations) = points.standardized()
        return deviations.reduce(0) { $0 + $1 * $1 } / Double(points.columns)
    }

    /// Greedy k-means++ (Arthur and Vassilvitskii, with the local trials scikit-learn adds).
    static func plusPlusSeeds(_ points: PointMatrix, k: Int, random: inout SeededGenerator) -> PointMatrix {
        let n = points.rows, d = points.columns
        let trials = 2 + Int(log(Double(k)))
        var chosen = [Int](repeating: 0, count: k)
        chosen[0] = random.nextInt(below: n)
        var closest = (0..<n).map { row in
            points.withRow(row) { a in points.withRow(chosen[0]) { b in squaredDistance(a, b) } }
        }
        var potential = closest.reduce(0, +)
        for c in 1..<k {
            var bestCandidate = -1, bestPotential = Double.infinity
            var bestDistances: [Double] = []
            for _ in 0..<trials {
                let candidate = potential > 0 ? Self.sample(weights: closest, total: potential, random: &random) : random.nextInt(below: n)
                var distances = closest
                var sum = 0.0
                points.withRow(candidate) { b in
                    for row in 0..<n {
                        let dist = points.withRow(row) { a in squaredDistance(a, b) }
                        if dist < distances[row] { distances[row] = dist }
                        sum += distances[row]
                    }
                }
                if sum < bestPotential {
                    bestCandidate = candidate
                    bestPotential = sum
                    bestDistances = distances
                }
            }
            chosen[c] = bestCandidate
            closest = bestDistances
            potential = bestPotential
        }
        var values = [Double]()
        values.reserveCapacity(k * d)
        for row in chosen { points.withRow(row) { values.append(contentsOf: $0) } }
        return PointMatrix(rows: k, columns: d, values: values)
    }

    /// A row drawn with probability proportional to its weight.
    static func sample(weights: [Double], total: Double, random: inout SeededGenerator) -> Int {
        var target = random.nextUnit() * total
        for (index, weight) in weights.enumerated() {
            target -= weight
            if target < 0 { return index }
        }
        return weights.lastIndex { $0 > 0 } ?? 0
    }

    /// Lloyd's algorithm from `centroids`. An emptied cluster takes the point farthest from its
    /// centroid, so that k clusters come out.
    static func lloyd(_ points: PointMatrix, centroids start: PointMatrix, maxIterations: Int, threshold: Double) -> Result {
        let n = points.rows, d = points.columns, k = start.rows
        var centroids = start.values
        var labels = [Int](repeating: 0, count: n)
        var distances = [Double](repeating: 0, count: n)
        var iterations = 0
        for iteration in 1...maxIterations {
            iterations = iteration
            assign(points, centroids: centroids, k: k, labels: &labels, distances: &distances)
            var sums = [Double](repeating: 0, count: k * d)
            var counts = [Int](repeating: 0, count: k)
            for row in 0..<n {
                let label = labels[row]
                counts[label] += 1
                for column in 0..<d { sums[label * d + column] += points[row, column] }
            }
            for cluster in 0..<k where counts[cluster] == 0 {
                // The farthest point of a cluster that keeps a member without it (there is one:
                // k <= n), so that no cluster is emptied in turn; ties to the lower index.
                var far = -1
                for row in 0..<n where counts[labels[row]] > 1 && (far < 0 || distances[row] > distances[far]) { far = row }
                distances[far] = 0
                counts[labels[far]] -= 1
                for column in 0..<d { sums[labels[far] * d + column] -= points[far, column] }
                labels[far] = cluster
                counts[cluster] = 1
                for column in 0..<d { sums[cluster * d + column] = points[far, column] }
            }
            var shift = 0.0
            for cluster in 0..<k {
                for column in 0..<d {
                    let moved = sums[cluster * d + column] / Double(counts[cluster])
                    let delta = moved - centroids[cluster * d + column]
                    shift += delta * delta
                    centroids[cluster * d + column] = moved
                }
            }
            if shift <= threshold { break }
        }
        assign(points, centroids: centroids, k: k, labels: &labels, distances: &distances)
        return Result(
            centroids: PointMatrix(rows: k, columns: d, values: centroids), labels: labels, inertia: distances.reduce(0, +),
            iterations: iterations)
    }

    /// Each point's nearest centroid (the lowest index on a tie) and its squared distance.
    static func assign(_ points: PointMatrix, centroids: [Double], k: Int, labels: inout [Int], distances: inout [Double]) {
        let d = points.columns
        centroids.withUnsafeBufferPointer { all in
            for row in 0..<points.rows {
                points.withRow(row) { a in
                    var best = 0, bestDistance = Double.infinity
                    for cluster in 0..<k {
                        let dist = squaredDistance(a, UnsafeBufferPointer(rebasing: all[(cluster * d)..<((cluster + 1) * d)]))
                        if dist < bestDistance {
                            best = cluster
                            bestDistance = dist
                        }
                    }
                    labels[row] = best
                    distances[row] = bestDistance
                }
            }
        }
    }

    /// The nearest of `centroids` to one point: how a person's segment is re-evaluated when
    /// their features change.
    public static func nearest(_ point: [Double], centroids: PointMatrix) -> Int {
        precondition(point.count == centroids.columns, "a point with the centroids' features")
        var best = 0, bestDistance = Double.infinity
        point.withUnsafeBufferPointer { a in
            for cluster in 0..<centroids.rows {
                let dist = centroids.withRow(cluster) { squaredDistance(a, $0) }
                if dist < bestDistance {
                    best = cluster
                    bestDistance = dist
                }
            }
        }
        return best
    }
}
