import Foundation
import KindredKernels

/// k-means as scikit-learn's `KMeans` runs it: greedy k-means++ seeding (2 + ln k candidates per
/// step, the one that lowers the potential most kept), Lloyd's iterations until the centroids
/// move less than `tolerance` times the data's mean feature variance, and `restarts` runs from
/// different seeds, the lowest inertia kept. Seeded: the same seed gives the same clusters, on
/// any number of threads (each restart draws from a generator of its own).
///
/// Lloyd's iterations skip the points whose centre provably stays the nearest (Hamerly 2010:
/// a bound on the distance to their own centre and one on the distance to every other), which
/// gives the same assignments as computing every distance, at a fraction of the cost once few
/// points still move; restarts run side by side on `threads` threads.
public struct KMeans: Sendable, Equatable {
    public var k: Int
    public var restarts = 10
    public var maxIterations = 300
    public var tolerance = 1e-4
    public var seed: UInt64 = 1
    public var threads = 1

    public init(k: Int, restarts: Int = 10, maxIterations: Int = 300, tolerance: Double = 1e-4, seed: UInt64 = 1, threads: Int = 1) {
        self.k = k
        self.restarts = restarts
        self.maxIterations = maxIterations
        self.tolerance = tolerance
        self.seed = seed
        self.threads = threads
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
        let threshold = tolerance * Self.meanVariance(points)
        let results = UnsafeMutablePointer<Result?>.allocate(capacity: restarts)
        results.initialize(repeating: nil, count: restarts)
        defer {
            results.deinitialize(count: restarts)
            results.deallocate()
        }
        let shared = SharedPointer(results)
        let workers = max(1, min(threads, restarts))
        let (k, restarts, maxIterations, seed) = (self.k, self.restarts, self.maxIterations, self.seed)
        Parallel.run(workers: workers) { worker in
            for restart in stride(from: worker, to: restarts, by: workers) {
                var random = SeededGenerator(seed: Self.restartSeed(seed, restart))
                let start = Self.plusPlusSeeds(points, k: k, random: &random)
                shared[restart] = Self.lloyd(points, centroids: start, maxIterations: maxIterations, threshold: threshold)
            }
        }
        // The lowest inertia; on a tie, the earliest restart.
        var best = results[0]!
        for restart in 1..<restarts where results[restart]!.inertia < best.inertia { best = results[restart]! }
        return best
    }

    /// Restart `restart`'s seed: distinct streams from one seed, whatever runs in parallel.
    static func restartSeed(_ seed: UInt64, _ restart: Int) -> UInt64 {
        seed &+ UInt64(restart) &* 0xD1B5_4A32_D192_ED03
    }

    static func meanVariance(_ points: PointMatrix) -> Double {
        let (_, _, deviations) = points.standardized()
        return deviations.reduce(0) { $0 + $1 * $1 } / Double(points.columns)
    }

    /// Greedy k-means++ (Arthur and Vassilvitskii, with the local trials scikit-learn adds): each
    /// step draws all its candidates from the same distribution, as scikit-learn does, so that one
    /// pass over the points measures every candidate (the points are read once per centre, not
    /// once per trial: at a million people the pass is bound by memory, not arithmetic).
    static func plusPlusSeeds(_ points: PointMatrix, k: Int, random: inout SeededGenerator) -> PointMatrix {
        let n = points.rows, d = points.columns
        let trials = 2 + Int(log(Double(k)))
        var chosen = [Int](repeating: 0, count: k)
        chosen[0] = random.nextInt(below: n)
        var closest = [Double](repeating: .infinity, count: n)
        // Trial by trial, each point's distance to its nearest centre if that trial's candidate joined.
        var trialDistances = [Double](repeating: 0, count: n * max(trials, 1))
        var candidates = [Int](repeating: 0, count: trials)
        var potentials = [Double](repeating: 0, count: trials)
        let lanes = (trials + 7) / 8 * 8
        var transposed = [Double](repeating: 0, count: d * lanes)
        // Measures `rows` as candidates, keeping trial `keep`'s distances as everyone's nearest.
        func measure(_ rows: [Int]) -> [Double] {
            points.values.withUnsafeBufferPointer { all in
                for (trial, row) in rows.enumerated() { for column in 0..<d { transposed[column * lanes + trial] = all[row * d + column] } }
                kk_kmeans_seed_trials(
                    all.baseAddress!, n, d, transposed, rows.count, lanes, closest, &trialDistances, &potentials)
            }
            return Array(potentials.prefix(rows.count))
        }
        func keep(_ trial: Int) {
            closest.withUnsafeMutableBufferPointer { near in
                trialDistances.withUnsafeBufferPointer { out in near.baseAddress!.update(from: out.baseAddress! + trial * n, count: n) }
            }
        }
        var potential = measure([chosen[0]])[0]
        keep(0)
        for c in 1..<k {
            if potential > 0 {
                Self.sample(weights: closest, total: potential, into: &candidates, random: &random)
            } else {
                for trial in 0..<trials { candidates[trial] = random.nextInt(below: n) }
            }
            let sums = measure(candidates)
            // The lowest potential; on a tie, the earliest trial.
            var best = 0
            for trial in 1..<trials where sums[trial] < sums[best] { best = trial }
            chosen[c] = candidates[best]
            potential = sums[best]
            keep(best)
        }
        var values = [Double]()
        values.reserveCapacity(k * d)
        for row in chosen { points.withRow(row) { values.append(contentsOf: $0) } }
        return PointMatrix(rows: k, columns: d, values: values)
    }

    /// `into.count` rows drawn independently with probability proportional to their weight, in one
    /// pass over the weights (the draws sorted, each found where the running sum passes it).
    static func sample(weights: [Double], total: Double, into drawn: inout [Int], random: inout SeededGenerator) {
        let targets = drawn.indices.map { (target: random.nextUnit() * total, slot: $0) }.sorted { $0.target < $1.target }
        var next = 0
        var running = 0.0
        for (index, weight) in weights.enumerated() where weight > 0 {
            running += weight
            while next < targets.count, targets[next].target < running {
                drawn[targets[next].slot] = index
                next += 1
            }
            if next == targets.count { return }
        }
        // Rounding left a draw past the last sum: the last row that can be drawn.
        let last = weights.lastIndex { $0 > 0 } ?? 0
        while next < targets.count {
            drawn[targets[next].slot] = last
            next += 1
        }
    }

    /// Lloyd's algorithm from `centroids`, with Hamerly's bounds: `upper` is at least a point's
    /// distance to its centre and `lower` at most its distance to any other; a point is looked at
    /// again only when its upper bound passes both the lower one and half the distance from its
    /// centre to the nearest other centre. An emptied cluster takes the point farthest from its
    /// centroid, so that k clusters come out.
    static func lloyd(_ points: PointMatrix, centroids start: PointMatrix, maxIterations: Int, threshold: Double) -> Result {
        let n = points.rows, d = points.columns, k = start.rows
        var centroids = start.values
        var labels = [Int](repeating: 0, count: n)
        var upper = [Double](repeating: 0, count: n)
        var lower = [Double](repeating: 0, count: n)
        var half = [Double](repeating: 0, count: k)
        var moves = [Double](repeating: 0, count: k)
        var iterations = 0
        // The centres transposed (feature by feature, k padded to lanes of 8), so that the kernel
        // measures a point against eight of them at a time.
        let lanes = (k + 7) / 8 * 8
        var transposed = [Double](repeating: 0, count: d * lanes)
        func transpose() {
            for cluster in 0..<k { for column in 0..<d { transposed[column * lanes + cluster] = centroids[cluster * d + column] } }
        }
        points.values.withUnsafeBufferPointer { all in
            let base = all.baseAddress!
            for iteration in 1...maxIterations {
                iterations = iteration
                transpose()
                if iteration > 1 {
                    centroids.withUnsafeBufferPointer { centres in
                        for cluster in 0..<k {
                            var nearest = Double.infinity
                            for other in 0..<k where other != cluster {
                                nearest = min(nearest, squaredDistance(centres.baseAddress! + cluster * d, centres.baseAddress! + other * d, count: d))
                            }
                            half[cluster] = k > 1 ? 0.5 * nearest.squareRoot() : .infinity
                        }
                    }
                }
                kk_kmeans_assign(base, n, d, centroids, transposed, k, lanes, half, &labels, &upper, &lower, iteration == 1 ? 1 : 0, nil)
                var sums = [Double](repeating: 0, count: k * d)
                var counts = [Int](repeating: 0, count: k)
                kk_kmeans_sums(base, n, d, labels, &sums, &counts)
                if counts.contains(0) {
                    // Exact distances for the rule below (rare: only when a cluster emptied).
                    var distances = [Double](repeating: 0, count: n)
                    centroids.withUnsafeBufferPointer { centres in
                        for index in 0..<n {
                            distances[index] = squaredDistance(base + index * d, centres.baseAddress! + labels[index] * d, count: d)
                        }
                    }
                    for cluster in 0..<k where counts[cluster] == 0 {
                        // The farthest point of a cluster that keeps a member without it (there is one:
                        // k <= n), so that no cluster is emptied in turn; ties to the lower index.
                        var far = -1
                        for index in 0..<n where counts[labels[index]] > 1 && (far < 0 || distances[index] > distances[far]) { far = index }
                        distances[far] = 0
                        counts[labels[far]] -= 1
                        for column in 0..<d { sums[labels[far] * d + column] -= all[far * d + column] }
                        labels[far] = cluster
                        counts[cluster] = 1
                        for column in 0..<d { sums[cluster * d + column] = all[far * d + column] }
                        // It sits on its new centre; nothing is known of the others.
                        upper[far] = 0
                        lower[far] = 0
                    }
                }
                var shift = 0.0
                for cluster in 0..<k {
                    var moved2 = 0.0
                    for column in 0..<d {
                        let moved = sums[cluster * d + column] / Double(counts[cluster])
                        let delta = moved - centroids[cluster * d + column]
                        moved2 += delta * delta
                        centroids[cluster * d + column] = moved
                    }
                    shift += moved2
                    moves[cluster] = moved2.squareRoot()
                }
                if shift <= threshold { break }
                // Every bound follows the centres' moves: the own centre's for the upper one, the
                // largest other move for the lower one.
                var largest = 0, largestMove = -1.0, secondMove = 0.0
                for cluster in 0..<k {
                    if moves[cluster] > largestMove {
                        secondMove = max(0, largestMove)
                        largestMove = moves[cluster]
                        largest = cluster
                    } else if moves[cluster] > secondMove {
                        secondMove = moves[cluster]
                    }
                }
                kk_kmeans_move_bounds(n, labels, &upper, &lower, moves, largest, largestMove, secondMove)
            }
        }
        // The final assignment and its exact squared distances: the inertia.
        var distances = [Double](repeating: 0, count: n)
        transpose()
        points.values.withUnsafeBufferPointer { all in
            kk_kmeans_assign(all.baseAddress!, n, d, centroids, transposed, k, lanes, half, &labels, &upper, &lower, 1, &distances)
        }
        return Result(
            centroids: PointMatrix(rows: k, columns: d, values: centroids), labels: labels, inertia: distances.reduce(0, +),
            iterations: iterations)
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
