import Foundation
import KindredStore

/// Every live segment with its size and what its members did: `kindred segments report` and
/// `GET /v1/segments`.
public struct SegmentsReport: Sendable, Codable {
    public struct Row: Sendable, Codable {
        public var key: String
        public var name: String
        public var kind: String
        public var rule: String?
        public var size: Int
        public var share: Double
        public var lists: Int
        public var shown: Int
        public var recommendationClicks: Int
        public var recommendationPurchases: Int
        public var ctr: Double?
        public var conversion: Double?
        public var revenue: Double
        public var orders: Int
        public var averageOrderValue: Double?
        public var revenuePerPerson: Double?
        /// Members with an event in the last 7 days, over members.
        public var retention: Double?
        public var movesIn: Int
        public var movesOut: Int
        /// The centre's standardized features (cluster segments).
        public var centroid: [String: Double]?
        /// Members at the end of each day of the period (days before the segment existed are left out).
        public var sizes: [DaySize]
    }

    public struct DaySize: Sendable, Codable, Equatable {
        public var day: String
        public var members: Int
    }

    public struct Segmentation: Sendable, Codable {
        public var id: Int64
        public var algorithm: String
        public var k: Int
        public var kReason: String?
        public var features: [String]
        public var people: Int
        public var builtAt: String
        public var metrics: [String: Double]
    }

    public var from: String
    public var days: Int
    public var people: Int
    public var segmentation: Segmentation?
    public var segments: [Row]
    public var definitions: [String: String]

    public static let definitions = [
        "ctr": "clicks that carry a logged response's request id / items shown to members",
        "conversion": "purchases that carry one / such clicks",
        "average_order_value": "revenue / orders (sessions with a purchase)",
        "revenue_per_person": "revenue / members",
        "retention": "members with an event in the last 7 days / members",
        "moves_in": "people who moved into the segment over the period (not counting new builds)",
        "members": "current members; what they did counts over the period whatever segment they were in then",
        "sizes": "members at the end of each UTC day of the period (at most the last 90 days)",
    ]
}

/// One person's segments now and before.
public struct PersonSegments: Sendable, Codable {
    public struct Stay: Sendable, Codable {
        public var key: String
        public var name: String
        public var from: String
        public var to: String?
    }

    public var pseudonym: String
    public var current: [Stay]
    public var history: [Stay]
}

extension Engine {
    public func segmentsReport(days: Int = 30) throws -> SegmentsReport {
        guard (1...3660).contains(days) else {
            throw RequestProblem(.invalid, code: "invalid_days", message: "days must be from 1 to 3660", field: "days")
        }
        let now = clock.now()
        let fromMs = now - Int64(days) * 86_400_000
        return try database.writer.read { db in
            let segments = try SegmentStore.liveSegments(in: db)
            let outcomes = try SegmentStore.outcomes(fromMs: fromMs, weekStartDay: now / 86_400_000 - 6, in: db)
            let segmentation = try SegmentStore.currentSegmentation(in: db)
            let today = now / 86_400_000
            let sizes = try SegmentStore.sizesByDay(fromDay: today - Int64(min(days, 90)) + 1, toDay: today, in: db)
            let people = segmentation?.people ?? 0
            func ratio(_ a: Double, _ b: Double) -> Double? { b > 0 ? a / b : nil }
            let rows = segments.map { segment -> SegmentsReport.Row in
                let o = outcomes[segment.pk] ?? SegmentStore.Outcomes()
                let centroid = segment.centroid.flatMap { values in
                    segmentation.map { Dictionary(uniqueKeysWithValues: zip($0.features, values)) }
                }
                return SegmentsReport.Row(
                    key: segment.key, name: segment.name, kind: segment.kind, rule: segment.rule, size: segment.members,
                    share: people > 0 ? Double(segment.members) / Double(people) : 0, lists: o.lists, shown: o.shown,
                    recommendationClicks: o.recommendationClicks, recommendationPurchases: o.recommendationPurchases,
                    ctr: ratio(Double(o.recommendationClicks), Double(o.shown)),
                    conversion: ratio(Double(o.recommendationPurchases), Double(o.recommendationClicks)), revenue: o.revenue,
                    orders: o.orders, averageOrderValue: ratio(o.revenue, Double(o.orders)),
                    revenuePerPerson: ratio(o.revenue, Double(segment.members)),
                    retention: ratio(Double(o.activeLastWeek), Double(segment.members)), movesIn: o.movesIn, movesOut: o.movesOut,
                    centroid: centroid,
                    sizes: (sizes[segment.pk] ?? []).map { SegmentsReport.DaySize(day: KPIQuery.format($0.day), members: $0.members) })
            }
            let summary = segmentation.map { s in
                SegmentsReport.Segmentation(
                    id: s.pk, algorithm: s.algorithm, k: s.k, kReason: s.kReason, features: s.features, people: s.people,
                    builtAt: TimestampFormatter.iso8601(milliseconds: s.createdMs),
                    metrics: (try? JSONSerialization.jsonObject(with: Data(s.metrics.utf8)) as? [String: Double]) ?? [:])
            }
            return SegmentsReport(
                from: TimestampFormatter.iso8601(milliseconds: fromMs), days: days, people: people, segmentation: summary, segments: rows,
                definitions: SegmentsReport.definitions)
        }
    }

    /// A person's segments: where they are now and where they were. Unknown people have none.
    public func personSegments(userID: String) throws -> PersonSegments {
        let pseudonym = database.pseudonymizer.pseudonym(of: userID)
        let stays = try database.writer.read { db in
            try ServingQueries.userPK(pseudonym: pseudonym, in: db).map { try SegmentStore.stays(userPK: $0, in: db) } ?? []
        }
        let all = stays.map {
            PersonSegments.Stay(
                key: $0.key, name: $0.name, from: TimestampFormatter.iso8601(milliseconds: $0.fromMs),
                to: $0.toMs.map { TimestampFormatter.iso8601(milliseconds: $0) })
        }
        return PersonSegments(pseudonym: pseudonym, current: all.filter { $0.to == nil }, history: all.filter { $0.to != nil })
    }
}
