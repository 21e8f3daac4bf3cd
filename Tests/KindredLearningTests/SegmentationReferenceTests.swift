import Foundation
import Testing

@testable import KindredLearning

/// Kindred's segmentation against scikit-learn on fixed points. The points and scikit-learn's
/// results were made by scripts/reference/segmentation_reference.py (scikit-learn 1.9.1);
/// each case reruns Kindred's algorithm on the same numbers.
@Suite struct SegmentationReferenceTests {
    nonisolated(unsafe) static let reference: [String: Any] = {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("Reference/segmentation_reference.json")
        return try! JSONSerialization.jsonObject(with: try! Data(contentsOf: url)) as! [String: Any]
    }()

    static func data(_ key: String) -> [String: Any] { reference[key] as! [String: Any] }
    static func points(_ any: Any?) -> PointMatrix { PointMatrix((any as! [[Any]]).map { $0.map { ($0 as! NSNumber).doubleValue } }) }
    static func labels(_ any: Any?) -> [Int] { (any as! [Any]).map { ($0 as! NSNumber).intValue } }
    static func number(_ any: Any?) -> Double { (any as! NSNumber).doubleValue }
    static func part(_ data: [String: Any], _ key: String) -> [String: Any] { data[key] as! [String: Any] }

    @Test func kMeansFindsSeparatedBlobsWithScikitLearnsInertia() {
        let blobs = Self.data("blobs")
        let points = Self.points(blobs["points"])
        let theirs = Self.part(blobs, "kmeans")
        let ours = KMeans(k: 4, restarts: 10, seed: 3).fit(points)
        let inertia = Self.number(theirs["inertia"])
        #expect(ours.inertia <= inertia * 1.01 && ours.inertia >= inertia * 0.999, "\(ours.inertia) vs \(inertia)")
        #expect(ClusterQuality.adjustedRandIndex(ours.labels, Self.labels(blobs["truth"])) == 1)
        #expect(ClusterQuality.adjustedRandIndex(ours.labels, Self.labels(theirs["labels"])) == 1)
    }

    @Test func onOverlappingStandardizedFeaturesTheRestartsMatchScikitLearnsBest() {
        let overlapping = Self.data("overlapping")
        let (scaled, _, _) = Self.points(overlapping["points"]).standardized()
        let expected = Self.points(overlapping["standardized"])
        #expect(zip(scaled.values, expected.values).allSatisfy { abs($0 - $1) <= 1e-9 }, "the same standardization as StandardScaler")
        let theirs = Self.part(overlapping, "kmeans")
        let ours = KMeans(k: 6, restarts: 10, seed: 3).fit(scaled)
        let inertia = Self.number(theirs["inertia"])
        #expect(ours.inertia <= inertia * 1.01, "at most 1% above scikit-learn's best: \(ours.inertia) vs \(inertia)")
        #expect(ClusterQuality.adjustedRandIndex(ours.labels, Self.labels(theirs["labels"])) > 0.8)
    }

    @Test func mixturesReachScikitLearnsLikelihoodAndBIC() {
        let blobs = Self.data("blobs")
        let points = Self.points(blobs["points"])
        let theirs = Self.part(blobs, "gmm")
        let ours = GaussianMixture(k: 4, restarts: 5, seed: 3).fit(points)
        let logLikelihood = Self.number(theirs["log_likelihood"])
        #expect(abs(ours.logLikelihood - logLikelihood) <= 1e-4 * abs(logLikelihood), "\(ours.logLikelihood) vs \(logLikelihood)")
        #expect(abs(ours.bic - Self.number(theirs["bic"])) <= 1e-4 * abs(Self.number(theirs["bic"])))
        #expect(ClusterQuality.adjustedRandIndex(ours.labels, Self.labels(theirs["labels"])) == 1)

        let overlapping = Self.data("overlapping")
        let (scaled, _, _) = Self.points(overlapping["points"]).standardized()
        let theirs6 = Self.part(overlapping, "gmm")
        let ours6 = GaussianMixture(k: 6, restarts: 3, seed: 3).fit(scaled)
        let reference = Self.number(theirs6["log_likelihood"])
        #expect(ours6.logLikelihood >= reference - 1e-3 * abs(reference), "not worse than scikit-learn's: \(ours6.logLikelihood) vs \(reference)")
    }

    @Test func theSegmentCountIsChosenAsScikitLearnsScoresChooseIt() {
        let blobs = Self.data("blobs")
        let points = Self.points(blobs["points"])
        let silhouettes = (blobs["silhouette_by_k"] as! [String: Any]).mapValues(Self.number)
        let bics = (Self.part(blobs, "gmm")["bic_by_k"] as! [String: Any]).mapValues(Self.number)
        #expect(silhouettes.max { $0.value < $1.value }!.key == "4" && bics.min { $0.value < $1.value }!.key == "4")
        let bySilhouette = ClusterCount.choose(points, candidates: 2...7, criterion: .silhouette, seed: 3)
        #expect(bySilhouette.k == 4, "\(bySilhouette.reason)")
        #expect(abs(bySilhouette.scores[4]! - silhouettes["4"]!) <= 1e-9)
        let byBIC = ClusterCount.choose(points, candidates: 2...7, criterion: .bic, seed: 3)
        #expect(byBIC.k == 4, "\(byBIC.reason)")
        #expect(byBIC.reason.hasPrefix("k = 4: bic "))
        // The silhouette itself, on scikit-learn's own labels.
        let sklearnLabels = Self.labels(Self.part(blobs, "kmeans")["labels"])
        #expect(abs(ClusterQuality.silhouette(points, labels: sklearnLabels) - silhouettes["4"]!) <= 1e-12)
    }

    @Test func dbscanLabelsEveryPointAsScikitLearnDoes() {
        for name in ["blobs", "moons", "noisy_moons"] {
            let data = Self.data(name)
            let theirs = Self.part(data, "dbscan")
            let ours = DBSCAN(radius: Self.number(theirs["eps"]), minPoints: Int(Self.number(theirs["min_samples"]))).fit(Self.points(data["points"]))
            #expect(ours.labels == Self.labels(theirs["labels"]), "\(name)")
        }
        #expect(Set(Self.labels(Self.part(Self.data("noisy_moons"), "dbscan")["labels"])).contains(DBSCAN.noise), "the noisy case has noise")
    }

    @Test func onHalfMoonsDBSCANRecoversThemAndKMeansCannot() {
        let moons = Self.data("moons")
        let points = Self.points(moons["points"])
        let truth = Self.labels(moons["truth"])
        let density = DBSCAN(radius: 0.2, minPoints: 5).fit(points)
        #expect(density.clusters == 2 && ClusterQuality.adjustedRandIndex(density.labels, truth) == 1)
        let kMeans = KMeans(k: 2, restarts: 10, seed: 3).fit(points)
        let ari = ClusterQuality.adjustedRandIndex(kMeans.labels, truth)
        #expect(ari < 0.5, "k-means cuts the moons straight: ARI \(ari)")
        #expect(abs(ari - Self.number(Self.part(moons, "kmeans")["ari_truth"])) < 0.05, "as scikit-learn's k-means does")
    }

    @Test func theAdjustedRandIndexIsScikitLearns() {
        let ari = Self.data("ari")
        #expect(abs(ClusterQuality.adjustedRandIndex(Self.labels(ari["a"]), Self.labels(ari["b"])) - Self.number(ari["value"])) <= 1e-12)
    }
}
