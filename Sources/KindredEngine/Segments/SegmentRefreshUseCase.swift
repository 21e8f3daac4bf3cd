import Foundation
import KindredLearning
import KindredStore

/// What a streaming update of the segments did.
public struct SegmentRefreshReport: Sendable, Codable, Equatable {
    /// People with events since the last update, re-evaluated.
    public var people: Int
    public var moved: Int
    public var joined: Int
    /// The discount applied to the centroids' past weight (0.5 after one half-life).
    public var decay: Double
    public var rules: [RuleSegmentReport]
}

extension Engine {
    /// The half-life of a centroid's past, in days: after it, old members weigh half as much as
    /// new ones in where the centre sits.
    public static let segmentHalfLifeDays = 7.0

    /// Keeps segments current between builds: everyone with events filed since the last update
    /// is standardized as the build standardized and re-assigned to the nearest centre (a move
    /// closes one stay and opens another); each centre drifts toward the people assigned to it
    /// by Spark's streaming k-means update, its past discounted by the half-life; rule segments
    /// are re-evaluated. `kindred serve` runs this as soon as filing stores events about people,
    /// with `filedPeople` (rules then look at those people alone), and in full every
    /// `segments.refresh_seconds`. Without a k-means or mixture segmentation only the rules are
    /// refreshed (DBSCAN's clusters have no centre to assign to; they change at the next build).
    @discardableResult
    public func refreshSegments(filedPeople: [Int64]? = nil) throws -> SegmentRefreshReport {
        let now = clock.now()
        let (segmentation, segments) = try database.writer.read { db in
            (try SegmentStore.currentSegmentation(in: db), try SegmentStore.liveSegments(in: db))
        }
        var report = SegmentRefreshReport(people: 0, moved: 0, joined: 0, decay: 1, rules: [])
        let clusters = segments.filter { $0.kind == "cluster" && $0.segmentationPK == segmentation?.pk && $0.centroid != nil }
        if let segmentation, segmentation.algorithm != "dbscan", !clusters.isEmpty,
            clusters.allSatisfy({ $0.centroid!.count == segmentation.features.count })
        {
            let (active, newest) = try database.writer.read { db in try SegmentStore.peopleActive(after: segmentation.eventMark, in: db) }
            if !active.isEmpty {
                let (rows, columns, _) = try featureRows(FeatureQuery(), userPKs: active)
                let names = columns.map(\.name)
                let indices = segmentation.features.map { names.firstIndex(of: $0) }
                var values: [Double] = []
                var people: [Int64] = []
                for (userPK, row) in rows {
                    var point: [Double] = []
                    for (column, index) in indices.enumerated() {
                        let raw = index.flatMap { row.numbers[$0] } ?? segmentation.means[column]
                        let sd = segmentation.deviations[column]
                        point.append(sd > 0 ? (raw - segmentation.means[column]) / sd : 0)
                    }
                    values += point
                    people.append(userPK)
                }
                let d = segmentation.features.count
                let elapsedDays = Double(now - (segmentation.refreshedMs ?? segmentation.createdMs)) / 86_400_000
                report.decay = StreamingKMeans.decay(elapsed: max(0, elapsedDays), halfLife: Self.segmentHalfLifeDays)
                var streaming = StreamingKMeans(
                    centroids: PointMatrix(rows: clusters.count, columns: d, values: clusters.flatMap { $0.centroid! }),
                    weights: clusters.map { $0.weight ?? Double($0.members) })
                let labels = people.isEmpty ? [] : streaming.update(with: PointMatrix(rows: people.count, columns: d, values: values), decay: report.decay)
                report.people = people.count
                let (moved, joined) = try database.writer.write { db -> (Int, Int) in
                    let current = try SegmentStore.clusterMembership(in: db)
                    var moved = 0, joined = 0
                    for (index, userPK) in people.enumerated() {
                        let target = clusters[labels[index]].pk
                        let was = current[userPK]
                        guard was != target else { continue }
                        // Erased since their features were read: nothing to move.
                        guard try SegmentStore.personExists(userPK, in: db) else { continue }
                        try SegmentStore.move(userPK: userPK, from: was, to: target, score: nil, nowMs: now, in: db)
                        if was == nil { joined += 1 } else { moved += 1 }
                    }
                    for (cluster, segment) in clusters.enumerated() {
                        try SegmentStore.updateCentroid(
                            segmentPK: segment.pk, centroid: (0..<d).map { streaming.centroids[cluster, $0] },
                            weight: streaming.weights[cluster], nowMs: now, in: db)
                    }
                    try SegmentStore.setMark(segmentationPK: segmentation.pk, mark: newest, nowMs: now, in: db)
                    return (moved, joined)
                }
                report.moved = moved
                report.joined = joined
            }
        }
        report.rules = try refreshRuleSegments(people: filedPeople)
        return report
    }
}
