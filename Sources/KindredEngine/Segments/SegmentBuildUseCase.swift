import Foundation
import KindredLearning
import KindredStore

/// How `kindred segments build` clusters: the algorithm, k (a number or chosen from the data)
/// and the features, parsed once for the command line and the API alike.
public struct SegmentBuildOptions: Sendable, Equatable {
    public enum Algorithm: String, Sendable, CaseIterable, Codable { case kmeans, gmm, dbscan }

    public var algorithm = Algorithm.kmeans
    /// Nil: chosen from the data (silhouette for k-means, BIC for mixtures) among 2...`maxAutoK`.
    public var k: Int? = nil
    public var maxAutoK = 8
    public var features: [String]? = nil
    /// Cluster the features as of the start of this moment's UTC day (a historical log, say);
    /// nil: as of now.
    public var at: Int64? = nil
    /// DBSCAN's neighbourhood radius (in standardized units) and core size.
    public var radius = 0.5
    public var minPoints = 5
    public var restarts = 10
    public var seed: UInt64 = 1
    /// Threads for k-means restarts (the segments are the same on any number).
    public var threads = 2

    public init() {}

    /// DBSCAN compares every pair of people: beyond this many it would take minutes.
    public static let dbscanLimit = 20_000

    public static func parse(
        algorithm: String?, k: String?, features: String?, radius: Double?, minPoints: Int?, at: String? = nil
    ) throws -> SegmentBuildOptions {
        var options = SegmentBuildOptions()
        if let algorithm {
            guard let parsed = Algorithm(rawValue: algorithm) else {
                throw RequestProblem(.invalid, code: "invalid_algorithm", message: "'\(algorithm)' is not kmeans, gmm or dbscan", field: "algorithm")
            }
            options.algorithm = parsed
        }
        if let k, k != "auto" {
            guard let number = Int(k), (1...100).contains(number) else {
                throw RequestProblem(.invalid, code: "invalid_k", message: "'\(k)' is not a number of segments from 1 to 100, or auto", field: "k")
            }
            options.k = number
        }
        if let radius {
            guard radius > 0, radius.isFinite else {
                throw RequestProblem(.invalid, code: "invalid_radius", message: "the radius must be a positive number", field: "radius")
            }
            options.radius = radius
        }
        if let minPoints {
            guard minPoints >= 1 else {
                throw RequestProblem(.invalid, code: "invalid_min_points", message: "min-points must be at least 1", field: "min_points")
            }
            options.minPoints = minPoints
        }
        let query = try FeatureQuery.parse(at: at, features: features)
        options.features = query.features
        options.at = query.at
        return options
    }
}

/// What a build stored.
public struct SegmentBuildReport: Sendable, Codable {
    public struct Built: Sendable, Codable {
        public var key: String
        public var name: String
        public var size: Int
        public var share: Double
        /// Standardized feature values of the segment's centre, by feature.
        public var centroid: [String: Double]
    }

    public var segmentation: Int64
    public var algorithm: String
    public var k: Int
    public var kReason: String?
    public var features: [String]
    public var people: Int
    public var segments: [Built]
    public var inertia: Double?
    /// k-means: Lloyd's iterations of the restart kept.
    public var iterations: Int?
    public var logLikelihood: Double?
    public var bic: Double?
    public var silhouette: Double?
    public var noise: Int?
    public var retired: Int
    public var seconds: Double
    /// Where the seconds went: reading and computing everyone's features, clustering (k
    /// included when chosen, and the silhouette), and naming and storing the segments.
    public var featureSeconds = 0.0
    public var clusteringSeconds = 0.0
    public var writingSeconds = 0.0
}

extension Engine {
    /// Clusters everyone with analytics consent on their current features and stores the
    /// segments, their names and members, retiring the previous build's in the same
    /// transaction (members' stays are closed, not forgotten). Audited.
    public func buildSegments(_ options: SegmentBuildOptions) throws -> SegmentBuildReport {
        let started = WallClock.monotonicSeconds()
        // Events up to here are in the features clustered; streaming updates start after them.
        let mark = try database.writer.read { db in try EventSummaries.mark(in: db) }
        // One computation of everyone's features: the matrix to cluster, and the rows that name the clusters.
        let query = FeatureQuery(at: options.at, features: options.features)
        let (rows, columns, referenceMs) = try featureRows(query)
        let matrix = try Self.featureMatrix(rows: rows, columns: columns, referenceMs: referenceMs, query: query, standardized: true)
        let featuresDone = WallClock.monotonicSeconds()
        guard let points = matrix.points, points.rows >= 2 else {
            throw RequestProblem(
                .invalid, code: "too_few_people", message: "segments need at least two people with analytics consent and events", field: nil)
        }
        if options.algorithm == .dbscan, points.rows > SegmentBuildOptions.dbscanLimit {
            throw RequestProblem(
                .invalid, code: "too_many_for_dbscan",
                message: "DBSCAN compares every pair of people and \(points.rows) is more than \(SegmentBuildOptions.dbscanLimit); use kmeans or gmm",
                field: "algorithm")
        }
        var kReason: String?
        var k = options.k ?? 0
        // `--k auto` with k-means fits every candidate: the chosen one's fit is kept.
        var chosenFit: KMeans.Result?
        if options.algorithm != .dbscan, options.k == nil {
            let upper = min(options.maxAutoK, points.rows - 1)
            if upper >= 2 {
                let choice = ClusterCount.choose(
                    points, candidates: 2...upper, criterion: options.algorithm == .gmm ? .bic : .silhouette, restarts: options.restarts,
                    seed: options.seed, threads: options.threads)
                k = choice.k
                kReason = choice.reason
                chosenFit = choice.kMeans
            } else {
                k = 1
                kReason = "k = 1: too few people to compare"
            }
        }
        if options.algorithm != .dbscan, k > points.rows {
            throw RequestProblem(.invalid, code: "invalid_k", message: "k = \(k) is more than the \(points.rows) people", field: "k")
        }

        var labels: [Int]
        var centroids: [[Double]]
        var metrics: [String: any Sendable] = [:]
        var report = SegmentBuildReport(
            segmentation: 0, algorithm: options.algorithm.rawValue, k: 0, kReason: kReason, features: matrix.columns, people: points.rows,
            segments: [], retired: 0, seconds: 0)
        switch options.algorithm {
        case .kmeans:
            let fitted = chosenFit ?? KMeans(k: k, restarts: options.restarts, seed: options.seed, threads: options.threads).fit(points)
            labels = fitted.labels
            centroids = (0..<fitted.centroids.rows).map { row in (0..<points.columns).map { fitted.centroids[row, $0] } }
            report.inertia = fitted.inertia
            report.iterations = fitted.iterations
            metrics["inertia"] = fitted.inertia
            metrics["iterations"] = fitted.iterations
        case .gmm:
            let fitted = GaussianMixture(k: k, restarts: max(1, options.restarts / 2), seed: options.seed).fit(points)
            labels = fitted.labels
            centroids = (0..<fitted.means.rows).map { row in (0..<points.columns).map { fitted.means[row, $0] } }
            report.logLikelihood = fitted.logLikelihood
            report.bic = fitted.bic
            metrics["log_likelihood"] = fitted.logLikelihood
            metrics["bic"] = fitted.bic
        case .dbscan:
            let fitted = DBSCAN(radius: options.radius, minPoints: options.minPoints).fit(points)
            // Noise becomes a segment of its own, numbered after the clusters.
            labels = fitted.labels.map { $0 == DBSCAN.noise ? fitted.clusters : $0 }
            k = fitted.clusters + (fitted.noisePoints > 0 ? 1 : 0)
            centroids = Self.means(of: points, labels: labels, count: k)
            report.noise = fitted.noisePoints
            metrics["noise"] = fitted.noisePoints
            kReason = "DBSCAN found \(fitted.clusters) clusters (radius \(options.radius), min points \(options.minPoints)) and \(fitted.noisePoints) people in none"
            report.kReason = kReason
        }
        if k >= 2, Set(labels).count >= 2 {
            let sample = min(points.rows, ClusterCount.silhouetteSample)
            let silhouette = ClusterQuality.silhouette(
                sample == points.rows ? points : Self.firstRows(points, sample), labels: Array(labels.prefix(sample)))
            report.silhouette = silhouette
            metrics["silhouette"] = silhouette
        }
        report.k = k
        let clusteringDone = WallClock.monotonicSeconds()

        // Names from the centroids, with the members' common country and category.
        // The matrix has the rows' order: member i is rows[i].
        var members = [[Int]](repeating: [], count: k)
        for (index, label) in labels.enumerated() { members[label].append(index) }
        var names: [String] = []
        for cluster in 0..<k {
            let people = members[cluster].map { rows[$0].row }
            var name =
                options.algorithm == .dbscan && report.noise ?? 0 > 0 && cluster == k - 1
                ? "unlike the others (DBSCAN noise)"
                : SegmentNaming.name(
                    centroid: centroids[cluster], features: matrix.columns, country: SegmentNaming.majority(people.map(\.country)),
                    category: SegmentNaming.majority(people.map(\.topCategory)))
            var suffix = 2
            while names.contains(name) {
                name = name.replacingOccurrences(of: " (\(suffix - 1))", with: "") + " (\(suffix))"
                suffix += 1
            }
            names.append(name)
        }

        let now = clock.now()
        let parametersJSON = JSONText.encode([
            "restarts": options.restarts, "seed": Int(options.seed), "radius": options.radius, "min_points": options.minPoints,
        ] as [String: any Sendable])
        let metricsJSON = JSONText.encode(metrics)
        let (segmentation, retired, built) = try database.writer.write { db -> (Int64, Int, [SegmentBuildReport.Built]) in
            let retired = try SegmentStore.retireClusters(nowMs: now, in: db)
            let segmentation = try SegmentStore.insert(
                .init(
                    algorithm: options.algorithm.rawValue, k: k, kReason: kReason, features: matrix.columns, means: matrix.means,
                    deviations: matrix.deviations, parameters: parametersJSON, metrics: metricsJSON, people: points.rows,
                    featuresAsOfMs: matrix.referenceMs, createdMs: now, eventMark: mark), in: db)
            var built: [SegmentBuildReport.Built] = []
            for cluster in 0..<k {
                let key = "cluster-\(cluster + 1)"
                let pk = try SegmentStore.insertSegment(
                    key: key, name: names[cluster], kind: "cluster", segmentationPK: segmentation, centroid: centroids[cluster], rule: nil,
                    definition: JSONText.encode(["algorithm": options.algorithm.rawValue, "segmentation": segmentation] as [String: any Sendable]),
                    weight: Double(members[cluster].count), nowMs: now, in: db)
                try SegmentStore.addMembers(members[cluster].map { (matrix.userPKs[$0], nil) }, to: pk, nowMs: now, in: db)
                built.append(
                    .init(
                        key: key, name: names[cluster], size: members[cluster].count,
                        share: Double(members[cluster].count) / Double(points.rows),
                        centroid: Dictionary(uniqueKeysWithValues: zip(matrix.columns, centroids[cluster]))))
            }
            try AuditLog.append(
                action: "segments_build", actor: actor,
                details: ["segmentation": segmentation, "algorithm": options.algorithm.rawValue, "k": k, "people": points.rows, "retired": retired],
                in: db, nowMs: now)
            return (segmentation, retired, built)
        }
        // Rule segments read the same features: bring them up to date with the build.
        _ = try refreshRuleSegments()
        report.segmentation = segmentation
        report.retired = retired
        report.segments = built
        report.seconds = WallClock.monotonicSeconds() - started
        report.featureSeconds = featuresDone - started
        report.clusteringSeconds = clusteringDone - featuresDone
        report.writingSeconds = report.seconds - report.featureSeconds - report.clusteringSeconds
        return report
    }

    static func means(of points: PointMatrix, labels: [Int], count: Int) -> [[Double]] {
        var sums = [[Double]](repeating: [Double](repeating: 0, count: points.columns), count: count)
        var counts = [Int](repeating: 0, count: count)
        for (row, label) in labels.enumerated() {
            counts[label] += 1
            for column in 0..<points.columns { sums[label][column] += points[row, column] }
        }
        return sums.enumerated().map { index, sum in sum.map { counts[index] > 0 ? $0 / Double(counts[index]) : 0 } }
    }

    static func firstRows(_ points: PointMatrix, _ count: Int) -> PointMatrix {
        PointMatrix(rows: count, columns: points.columns, values: Array(points.values.prefix(count * points.columns)))
    }
}
