import Foundation
import GRDB

/// Segments, their members and the history of who was where (migration 0012). A build writes a
/// segmentation and its cluster segments and retires the previous ones in one transaction, so a
/// reader sees either the old segments or the new, never a mix.
public enum SegmentStore {
    public struct Segmentation: Sendable, Equatable {
        public var pk: Int64 = 0
        public var algorithm: String
        public var k: Int
        public var kReason: String?
        public var features: [String]
        public var means: [Double]
        public var deviations: [Double]
        public var parameters: String
        public var metrics: String
        public var people: Int
        public var featuresAsOfMs: Int64
        public var createdMs: Int64
        /// Events up to this event_pk are reflected in the memberships and centroids.
        public var eventMark: Int64 = 0
        public var refreshedMs: Int64?

        public init(
            algorithm: String, k: Int, kReason: String?, features: [String], means: [Double], deviations: [Double], parameters: String,
            metrics: String, people: Int, featuresAsOfMs: Int64, createdMs: Int64, eventMark: Int64 = 0
        ) {
            self.eventMark = eventMark
            self.algorithm = algorithm
            self.k = k
            self.kReason = kReason
            self.features = features
            self.means = means
            self.deviations = deviations
            self.parameters = parameters
            self.metrics = metrics
            self.people = people
            self.featuresAsOfMs = featuresAsOfMs
            self.createdMs = createdMs
        }
    }

    public struct Segment: Sendable, Equatable {
        public var pk: Int64
        public var key: String
        public var name: String
        public var kind: String
        public var segmentationPK: Int64?
        public var centroid: [Double]?
        public var rule: String?
        public var members: Int
        public var createdMs: Int64
        public var weight: Double?
    }

    static func json(_ values: some Encodable) -> String { String(decoding: try! JSONEncoder().encode(values), as: UTF8.self) }
    static func decode<T: Decodable>(_ text: String?, as type: T.Type) -> T? {
        text.flatMap { try? JSONDecoder().decode(T.self, from: Data($0.utf8)) }
    }

    /// The live segmentation: the newest one not retired.
    public static func currentSegmentation(in db: Database) throws -> Segmentation? {
        guard
            let row = try Row.fetchOne(
                db,
                sql: """
                    SELECT segmentation_pk, algorithm, k, k_reason, features, means, deviations, parameters, metrics, people,
                           features_as_of_ms, created_ms, event_mark, refreshed_ms
                    FROM segmentations WHERE retired_ms IS NULL ORDER BY segmentation_pk DESC LIMIT 1
                    """)
        else { return nil }
        var segmentation = Segmentation(
            algorithm: row[1], k: row[2], kReason: row[3], features: decode(row[4], as: [String].self) ?? [],
            means: decode(row[5], as: [Double].self) ?? [], deviations: decode(row[6], as: [Double].self) ?? [], parameters: row[7],
            metrics: row[8], people: row[9], featuresAsOfMs: row[10], createdMs: row[11])
        segmentation.pk = row[0]
        segmentation.eventMark = row[12]
        segmentation.refreshedMs = row[13]
        return segmentation
    }

    /// Ends every live cluster segment (members leave at `nowMs`, history keeps their stays) and
    /// its segmentation; returns how many segments were retired.
    @discardableResult
    public static func retireClusters(nowMs: Int64, in db: Database) throws -> Int {
        try db.execute(
            sql: """
                UPDATE segment_history SET to_ms = ? WHERE to_ms IS NULL
                  AND segment_pk IN (SELECT segment_pk FROM segments WHERE kind = 'cluster' AND retired_ms IS NULL)
                """, arguments: [nowMs])
        try db.execute(
            sql: "DELETE FROM segment_members WHERE segment_pk IN (SELECT segment_pk FROM segments WHERE kind = 'cluster' AND retired_ms IS NULL)")
        try db.execute(sql: "UPDATE segments SET retired_ms = ?, updated_ms = ? WHERE kind = 'cluster' AND retired_ms IS NULL", arguments: [nowMs, nowMs])
        let retired = db.changesCount
        try db.execute(sql: "UPDATE segmentations SET retired_ms = ? WHERE retired_ms IS NULL", arguments: [nowMs])
        return retired
    }

    public static func insert(_ segmentation: Segmentation, in db: Database) throws -> Int64 {
        try db.execute(
            sql: """
                INSERT INTO segmentations (algorithm, k, k_reason, features, means, deviations, parameters, metrics, people,
                                           features_as_of_ms, created_ms, event_mark)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
            arguments: [
                segmentation.algorithm, segmentation.k, segmentation.kReason, json(segmentation.features), json(segmentation.means),
                json(segmentation.deviations), segmentation.parameters, segmentation.metrics, segmentation.people,
                segmentation.featuresAsOfMs, segmentation.createdMs, segmentation.eventMark,
            ])
        return db.lastInsertedRowID
    }

    /// A new segment; its key must not be taken by a live one (a retired one's key is renamed
    /// out of the way, so that keys read the same from build to build).
    public static func insertSegment(
        key: String, name: String, kind: String, segmentationPK: Int64?, centroid: [Double]?, rule: String?, definition: String,
        weight: Double? = nil, nowMs: Int64, in db: Database
    ) throws -> Int64 {
        try db.execute(
            sql: "UPDATE segments SET key = key || '@' || retired_ms WHERE key = ? AND retired_ms IS NOT NULL", arguments: [key])
        try db.execute(
            sql: """
                INSERT INTO segments (key, name, kind, definition, segmentation_pk, centroid, rule, weight, created_ms, updated_ms)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, arguments: [key, name, kind, definition, segmentationPK, centroid.map(json), rule, weight, nowMs, nowMs])
        return db.lastInsertedRowID
    }

    /// Puts people into a segment from `nowMs` (members and an open stay each). Bound through
    /// the C API: a build of a million people makes two million rows.
    public static func addMembers(_ members: [(userPK: Int64, score: Double?)], to segmentPK: Int64, nowMs: Int64, in db: Database) throws {
        let member = try FastStatement("INSERT INTO segment_members (segment_pk, user_pk, score, since_ms) VALUES (?, ?, ?, ?)", in: db)
        let stay = try FastStatement("INSERT INTO segment_history (segment_pk, user_pk, from_ms) VALUES (?, ?, ?)", in: db)
        for entry in members {
            try member.run { binder in
                binder.bind(segmentPK)
                binder.bind(entry.userPK)
                binder.bind(entry.score)
                binder.bind(nowMs)
            }
            try stay.run { binder in
                binder.bind(segmentPK)
                binder.bind(entry.userPK)
                binder.bind(nowMs)
            }
        }
    }

    /// Moves a person from one segment to another at `nowMs`, closing the old stay.
    public static func move(userPK: Int64, from old: Int64?, to new: Int64, score: Double?, nowMs: Int64, in db: Database) throws {
        if let old {
            try db.execute(sql: "DELETE FROM segment_members WHERE segment_pk = ? AND user_pk = ?", arguments: [old, userPK])
            try db.execute(
                sql: "UPDATE segment_history SET to_ms = ? WHERE segment_pk = ? AND user_pk = ? AND to_ms IS NULL", arguments: [nowMs, old, userPK])
        }
        try addMembers([(userPK, score)], to: new, nowMs: nowMs, in: db)
    }

    /// Live segments with their member counts, by key.
    public static func liveSegments(in db: Database) throws -> [Segment] {
        try Row.fetchAll(
            db,
            sql: """
                SELECT s.segment_pk, s.key, s.name, s.kind, s.segmentation_pk, s.centroid, s.rule,
                       (SELECT count(*) FROM segment_members AS m WHERE m.segment_pk = s.segment_pk), s.created_ms, s.weight
                FROM segments AS s WHERE s.retired_ms IS NULL ORDER BY s.key
                """
        ).map { row in
            Segment(
                pk: row[0], key: row[1], name: row[2], kind: row[3], segmentationPK: row[4], centroid: decode(row[5], as: [Double].self),
                rule: row[6], members: row[7], createdMs: row[8], weight: row[9])
        }
    }

    /// The key of the live cluster segment a person is in now, or nil.
    public static func clusterSegmentKey(userPK: Int64, in db: Database) throws -> String? {
        try String.fetchOne(
            db,
            sql: """
                SELECT s.key FROM segment_members AS m JOIN segments AS s USING (segment_pk)
                WHERE m.user_pk = ? AND s.kind = 'cluster' AND s.retired_ms IS NULL LIMIT 1
                """, arguments: [userPK])
    }

    /// The live cluster segment each person is in now, by profile.
    public static func clusterMembership(in db: Database) throws -> [Int64: Int64] {
        var result: [Int64: Int64] = [:]
        let rows = try Row.fetchCursor(
            db,
            sql: """
                SELECT m.user_pk, m.segment_pk FROM segment_members AS m JOIN segments AS s USING (segment_pk)
                WHERE s.kind = 'cluster' AND s.retired_ms IS NULL
                """)
        while let row = try rows.next() { result[row[0]] = row[1] }
        return result
    }

    /// A person's stays, newest first: segment key and name, from and to (nil while it lasts).
    public static func stays(userPK: Int64, in db: Database) throws -> [(key: String, name: String, fromMs: Int64, toMs: Int64?)] {
        try Row.fetchAll(
            db,
            sql: """
                SELECT s.key, s.name, h.from_ms, h.to_ms FROM segment_history AS h JOIN segments AS s USING (segment_pk)
                WHERE h.user_pk = ? ORDER BY h.from_ms DESC, s.key
                """, arguments: [userPK]
        ).map { ($0[0], $0[1], $0[2], $0[3]) }
    }

    /// What a segment's members did since `fromMs` (their current members, whatever segment they
    /// were in at the time): responses shown to them and what followed, revenue and orders,
    /// people active in the last week, and moves in and out of the segment over the period.
    public struct Outcomes: Sendable, Equatable {
        public var lists = 0
        public var shown = 0
        public var recommendationClicks = 0
        public var recommendationPurchases = 0
        public var revenue = 0.0
        public var orders = 0
        public var activeLastWeek = 0
        public var movesIn = 0
        public var movesOut = 0

        public init() {}
    }

    public static func outcomes(fromMs: Int64, weekStartDay: Int64, in db: Database) throws -> [Int64: Outcomes] {
        var result: [Int64: Outcomes] = [:]
        for row in try Row.fetchAll(
            db,
            sql: """
                SELECT m.segment_pk, count(*), total(json_array_length(i.items))
                FROM segment_members AS m JOIN impressions AS i ON i.user_pk = m.user_pk
                WHERE i.ts_ms >= ? GROUP BY m.segment_pk
                """, arguments: [fromMs])
        {
            result[row[0], default: Outcomes()].lists = row[1]
            result[row[0], default: Outcomes()].shown = Int(row[2] as Double)
        }
        for row in try Row.fetchAll(
            db,
            sql: """
                SELECT m.segment_pk, sum(e.type = 'click'), sum(e.type = 'purchase')
                FROM segment_members AS m JOIN events AS e ON e.user_pk = m.user_pk
                WHERE e.ts_ms >= ? AND e.request_id IS NOT NULL AND e.type IN ('click', 'purchase')
                  AND EXISTS (SELECT 1 FROM impressions AS i WHERE i.request_id = e.request_id)
                GROUP BY m.segment_pk
                """, arguments: [fromMs])
        {
            result[row[0], default: Outcomes()].recommendationClicks = row[1]
            result[row[0], default: Outcomes()].recommendationPurchases = row[2]
        }
        let fromDay = fromMs / 86_400_000
        for row in try Row.fetchAll(
            db,
            sql: """
                SELECT m.segment_pk, total(d.revenue), count(DISTINCT CASE WHEN d.day >= ? THEN d.user_pk END)
                FROM segment_members AS m JOIN person_days AS d ON d.user_pk = m.user_pk
                WHERE d.day >= ? GROUP BY m.segment_pk
                """, arguments: [weekStartDay, fromDay])
        {
            result[row[0], default: Outcomes()].revenue = row[1]
            result[row[0], default: Outcomes()].activeLastWeek = row[2]
        }
        for row in try Row.fetchAll(
            db,
            sql: """
                WITH orders AS (
                    SELECT m.segment_pk, d.user_pk, d.session, CASE WHEN d.session = '' THEN d.day END AS day_part
                    FROM segment_members AS m JOIN person_session_days AS d ON d.user_pk = m.user_pk
                    WHERE d.day >= ? GROUP BY 1, 2, 3, 4 HAVING sum(d.purchases) > 0
                )
                SELECT segment_pk, count(*) FROM orders GROUP BY segment_pk
                """, arguments: [fromDay])
        {
            result[row[0], default: Outcomes()].orders = row[1]
        }
        for row in try Row.fetchAll(
            db,
            sql: """
                SELECT p.segment_pk, h.segment_pk FROM segment_history AS h
                JOIN segment_history AS p ON p.user_pk = h.user_pk AND p.to_ms = h.from_ms AND p.segment_pk <> h.segment_pk
                JOIN segments AS t ON t.segment_pk = h.segment_pk
                JOIN segments AS f ON f.segment_pk = p.segment_pk
                WHERE h.from_ms >= ? AND t.rule IS NULL AND f.rule IS NULL AND f.retired_ms IS NOT h.from_ms
                """, arguments: [fromMs])
        {
            result[row[0], default: Outcomes()].movesOut += 1
            result[row[1], default: Outcomes()].movesIn += 1
        }
        return result
    }

    /// Members of a segment now.
    public static func members(of segmentPK: Int64, in db: Database) throws -> Set<Int64> {
        Set(try Int64.fetchAll(db, sql: "SELECT user_pk FROM segment_members WHERE segment_pk = ?", arguments: [segmentPK]))
    }

    /// Takes a person out of a segment at `nowMs`, closing their stay.
    public static func removeMember(_ userPK: Int64, from segmentPK: Int64, nowMs: Int64, in db: Database) throws {
        try db.execute(sql: "DELETE FROM segment_members WHERE segment_pk = ? AND user_pk = ?", arguments: [segmentPK, userPK])
        try db.execute(
            sql: "UPDATE segment_history SET to_ms = ? WHERE segment_pk = ? AND user_pk = ? AND to_ms IS NULL", arguments: [nowMs, segmentPK, userPK])
    }

    /// Changes a live segment's rule and name.
    public static func updateRule(segmentPK: Int64, rule: String, name: String, nowMs: Int64, in db: Database) throws {
        try db.execute(
            sql: "UPDATE segments SET rule = ?, name = ?, updated_ms = ? WHERE segment_pk = ?", arguments: [rule, name, nowMs, segmentPK])
    }

    /// The people with events stored after `mark`, and the newest event now.
    public static func peopleActive(after mark: Int64, in db: Database) throws -> (people: [Int64], newest: Int64) {
        let newest = try Int64.fetchOne(db, sql: "SELECT coalesce(max(event_pk), 0) FROM events") ?? 0
        let people = try Int64.fetchAll(
            db, sql: "SELECT DISTINCT user_pk FROM events WHERE event_pk > ? AND user_pk IS NOT NULL ORDER BY user_pk", arguments: [mark])
        return (people, newest)
    }

    /// Moves a cluster's centre and weight (the streaming update).
    public static func updateCentroid(segmentPK: Int64, centroid: [Double], weight: Double, nowMs: Int64, in db: Database) throws {
        try db.execute(
            sql: "UPDATE segments SET centroid = ?, weight = ?, updated_ms = ? WHERE segment_pk = ?",
            arguments: [json(centroid), weight, nowMs, segmentPK])
    }

    /// Records that events up to `mark` are reflected.
    public static func setMark(segmentationPK: Int64, mark: Int64, nowMs: Int64, in db: Database) throws {
        try db.execute(
            sql: "UPDATE segmentations SET event_mark = ?, refreshed_ms = ? WHERE segmentation_pk = ?", arguments: [mark, nowMs, segmentationPK])
    }

    /// Whether the person still has a profile (not erased).
    public static func personExists(_ userPK: Int64, in db: Database) throws -> Bool {
        try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM users WHERE user_pk = ?)", arguments: [userPK]) ?? false
    }

    /// Sets (or, with nil, clears) a live segment's serving strategy; false when no live segment has the key.
    public static func setStrategy(key: String, strategy: String?, nowMs: Int64, in db: Database) throws -> Bool {
        try db.execute(
            sql: "UPDATE segments SET strategy = ?, updated_ms = ? WHERE key = ? AND retired_ms IS NULL", arguments: [strategy, nowMs, key])
        return db.changesCount > 0
    }

    /// Live segments with a strategy: pk, key, kind and the strategy's JSON, rule segments first
    /// (they are chosen by hand), then by key.
    public static func strategies(in db: Database) throws -> [(pk: Int64, key: String, kind: String, strategy: String)] {
        try Row.fetchAll(
            db,
            sql: """
                SELECT segment_pk, key, kind, strategy FROM segments WHERE retired_ms IS NULL AND strategy IS NOT NULL
                ORDER BY rule IS NULL, key
                """
        ).map { ($0[0], $0[1], $0[2], $0[3]) }
    }

    /// The segments a person is in now.
    public static func segmentPKs(of userPK: Int64, in db: Database) throws -> Set<Int64> {
        Set(try Int64.fetchAll(db, sql: "SELECT segment_pk FROM segment_members WHERE user_pk = ?", arguments: [userPK]))
    }

    /// Each segment's members at the end of each UTC day from `fromDay` to `toDay`, from the
    /// stays in the history: a segment's size over time.
    public static func sizesByDay(fromDay: Int64, toDay: Int64, in db: Database) throws -> [Int64: [(day: Int64, members: Int)]] {
        var result: [Int64: [(day: Int64, members: Int)]] = [:]
        for row in try Row.fetchAll(
            db,
            sql: """
                WITH RECURSIVE days(day) AS (SELECT ? UNION ALL SELECT day + 1 FROM days WHERE day < ?)
                SELECT h.segment_pk, days.day, count(*) FROM days
                JOIN segment_history AS h
                  ON h.from_ms < (days.day + 1) * 86400000 AND (h.to_ms IS NULL OR h.to_ms >= (days.day + 1) * 86400000)
                GROUP BY h.segment_pk, days.day ORDER BY h.segment_pk, days.day
                """, arguments: [fromDay, toDay])
        {
            result[row[0], default: []].append((row[1], row[2]))
        }
        return result
    }
}
