import Foundation
import Testing

@testable import KindredLearning

/// Segmentation on data small enough to work out by hand.
@Suite struct SegmentationHandComputedTests {
    @Test func kMeansOnFourPointsOnALine() {
        // {0, 1} and {10, 11}: centroids 0.5 and 10.5, each point 0.5 away, inertia 4 x 0.25.
        let result = KMeans(k: 2, restarts: 3, seed: 9).fit(PointMatrix([[0], [1], [10], [11]]))
        #expect(Set(result.centroids.values) == [0.5, 10.5])
        #expect(result.inertia == 1)
        #expect(result.labels[0] == result.labels[1] && result.labels[2] == result.labels[3] && result.labels[0] != result.labels[2])
        #expect(KMeans.nearest([9], centroids: result.centroids) == result.labels[2])
    }

    @Test func theSameSeedGivesTheSameSegments() {
        var random = SeededGenerator(seed: 4)
        let points = PointMatrix((0..<200).map { _ in [random.nextGaussian(), random.nextGaussian()] })
        #expect(KMeans(k: 5, seed: 8).fit(points) == KMeans(k: 5, seed: 8).fit(points))
        #expect(GaussianMixture(k: 3, seed: 8).fit(points) == GaussianMixture(k: 3, seed: 8).fit(points))
    }

    /// The bounds only skip work: from the same start, the iterations assign every point as
    /// computing all k distances does (a plain Lloyd written out below), on overlapping blobs
    /// where points keep changing clusters for many iterations.
    /// k = 13 fills the kernel's second block of eight centres with padding it must never choose.
    @Test(arguments: [8, 13]) func hamerlysBoundsGiveLloydsAssignments(k: Int) {
        var random = SeededGenerator(seed: 11)
        let centres: [[Double]] = [[0, 0, 0], [1.5, 0, 0], [0, 1.5, 0], [0, 0, 1.5], [1.5, 1.5, 1.5]]
        let points = PointMatrix((0..<3000).map { index in centres[index % 5].map { $0 + random.nextGaussian() } })
        var seeds = SeededGenerator(seed: 5)
        let start = KMeans.plusPlusSeeds(points, k: k, random: &seeds)
        let bounded = KMeans.lloyd(points, centroids: start, maxIterations: 300, threshold: 0)
        // Plain Lloyd: every distance, every iteration, until nothing moves.
        var centroids = start.values
        var labels = [Int](repeating: -1, count: points.rows)
        var iterations = 0
        while true {
            iterations += 1
            var changed = false
            for row in 0..<points.rows {
                var best = 0, bestDistance = Double.infinity
                for cluster in 0..<k {
                    var dist = 0.0
                    for column in 0..<3 { dist += pow(points[row, column] - centroids[cluster * 3 + column], 2) }
                    if dist < bestDistance { (best, bestDistance) = (cluster, dist) }
                }
                if labels[row] != best { (labels[row], changed) = (best, true) }
            }
            var sums = [Double](repeating: 0, count: k * 3), counts = [Double](repeating: 0, count: k)
            for row in 0..<points.rows {
                counts[labels[row]] += 1
                for column in 0..<3 { sums[labels[row] * 3 + column] += points[row, column] }
            }
            let moved = (0..<(k * 3)).map { sums[$0] / counts[$0 / 3] }
            let still = moved == centroids
            centroids = moved
            if !changed || still { break }
        }
        #expect(iterations > 10, "a fit long enough for the bounds to matter")
        #expect(bounded.labels == labels)
        #expect(bounded.centroids.values == centroids)
        #expect(bounded.iterations == iterations)
    }

    @Test func threadsDoNotChangeTheSegments() {
        var random = SeededGenerator(seed: 4)
        let points = PointMatrix((0..<500).map { _ in [random.nextGaussian(), random.nextGaussian(), random.nextGaussian()] })
        #expect(KMeans(k: 6, seed: 8, threads: 1).fit(points) == KMeans(k: 6, seed: 8, threads: 2).fit(points))
        #expect(KMeans(k: 6, seed: 8, threads: 3).fit(points) == KMeans(k: 6, seed: 8, threads: 1).fit(points))
    }

    @Test func streamingCentroidsMoveByTheirDiscountedWeight() {
        var model = StreamingKMeans(centroids: PointMatrix([[0], [100]]), weights: [10, 4])
        // Half-life of one day, one day later: the past counts half. Two points at 3 join the
        // first cluster: (0 x 10 x 0.5 + 3 x 2) / (5 + 2) = 6/7, weight 7; the second only decays.
        let decay = StreamingKMeans.decay(elapsed: 1, halfLife: 1)
        #expect(decay == 0.5)
        let labels = model.update(with: PointMatrix([[3], [3]]), decay: decay)
        #expect(labels == [0, 0])
        #expect(abs(model.centroids[0, 0] - 6.0 / 7) < 1e-15 && model.centroids[1, 0] == 100)
        #expect(model.weights == [7, 2])
        // Forgetting everything, a batch sets the centroid to its own mean.
        model.update(with: PointMatrix([[90], [94]]), decay: 0)
        #expect(model.centroids[1, 0] == 92 && model.weights == [0, 2])
    }

    @Test func aMixtureOfTwoTightPairs() {
        // Two pairs far apart, equal weights: each component's mean is its pair's mean, its
        // variance the pair's (0.25) plus the regularization.
        let result = GaussianMixture(k: 2, seed: 2).fit(PointMatrix([[0], [1], [10], [11]]))
        let means = result.means.values.sorted()
        #expect(abs(means[0] - 0.5) < 1e-9 && abs(means[1] - 10.5) < 1e-9)
        #expect(result.variances.values.allSatisfy { abs($0 - 0.25 - 1e-6) < 1e-9 })
        #expect(result.weights.allSatisfy { abs($0 - 0.5) < 1e-9 })
        // log L = 4 x log(0.5 x N(0.5 away | sd 0.5)); parameters 2 x 1 x 2 + 1 = 5.
        let variance: Double = 0.25 + 1e-6
        let normalizing: Double = 0.5 * log(2 * Double.pi * variance)
        let perPoint: Double = log(0.5) - normalizing - 0.25 / (2 * variance)
        #expect(abs(result.logLikelihood - 4 * perPoint) < 1e-9)
        #expect(abs(result.bic - (-8 * perPoint + 5 * log(4.0))) < 1e-9)
    }

    @Test func dbscanOnAHandfulOfPoints() {
        // With radius 1.5 and three points needed (itself included), 1 (with 0 and 2) and 2 (with
        // 1 and 3) are core; 0 and 3 are borders of their cluster; 10 is noise.
        let result = DBSCAN(radius: 1.5, minPoints: 3).fit(PointMatrix([[0], [1], [2], [3], [10]]))
        #expect(result.labels == [0, 0, 0, 0, DBSCAN.noise])
        #expect(result.corePoints == [false, true, true, false, false])
        #expect(result.clusters == 1 && result.noisePoints == 1)
    }

    @Test func silhouetteAndRandIndexByHand() {
        // Points 0, 1 | 5: for 0, a = 1, b = 5 -> 0.8; for 1, a = 1, b = 4 -> 0.75; 5 alone -> 0.
        let s = ClusterQuality.silhouette(PointMatrix([[0], [1], [5]]), labels: [0, 0, 1])
        #expect(abs(s - (0.8 + 0.75) / 3) < 1e-15)
        #expect(ClusterQuality.adjustedRandIndex([0, 0, 1, 1], [5, 5, 7, 7]) == 1, "names do not matter")
        // Pairs: 1 of 6 agree in both; rows 2, columns 2 -> expected 2 x 2 / 6 = 2/3, max 2.
        #expect(abs(ClusterQuality.adjustedRandIndex([0, 0, 1, 1], [0, 1, 0, 1]) - (0 - 2.0 / 3) / (2 - 2.0 / 3)) < 1e-15)
    }

    /// More clusters than distinct points (people with identical features are common): an
    /// emptied cluster takes a point from a cluster that keeps one, so no centroid is ever the
    /// mean of nothing (NaN, which used to stop the fit). The centroids are the points themselves;
    /// the final assignment gives a point to the first of two equal centroids, as scikit-learn's.
    @Test func kMeansWithMoreClustersThanDistinctPoints() {
        let points = PointMatrix([[0, 0], [0, 0], [0, 0], [5, 5], [5, 5]])
        for seed in UInt64(1)...5 {
            let result = KMeans(k: 3, restarts: 2, seed: seed).fit(points)
            #expect(result.centroids.values.allSatisfy { $0.isFinite }, "seed \(seed)")
            #expect(Set(result.labels).count == 2)
            #expect(result.inertia == 0)
            #expect(result.centroids.values.allSatisfy { $0 == 0 || $0 == 5 })
        }
    }
}
