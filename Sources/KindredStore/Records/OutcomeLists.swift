import Foundation
import GRDB

/// A list a known person was shown, with what they did about its items: what a learned ranker
/// learns from once the shop has served lists. Outcomes are the clicks, carts and purchases that
/// carry the list's request id (as `impression_outcomes` attributes them).
public struct ListWithOutcomes: Sendable, Equatable {
    public struct Shown: Sendable, Equatable {
        public var itemID: String
        /// 1-based, as shown.
        public var position: Int
        /// The chance the policy gave the item its place (1 for a deterministic ranking).
        public var probability: Double
        /// 0 nothing, 1 clicked, 2 carted, 3 bought: the strongest outcome that followed.
        public var outcome: Int
    }

    public var requestID: String
    public var timestampMs: Int64
    public var userPK: Int64
    public var device: String?
    /// In the order shown.
    public var items: [Shown]

    /// The outcomes as grades, strongest wins.
    static let grades = ["click": 1, "add_to_cart": 2, "purchase": 3]

    /// The event types that are outcomes, as an SQL list.
    static let outcomeTypes = "(" + grades.keys.sorted().map { "'\($0)'" }.joined(separator: ", ") + ")"

    /// The lists counted and read: the recommendations surface's (plain lists and page blocks),
    /// shown to known people in `[?, ?)`, with an outcome that carries their request id.
    static let listsWithAnOutcome = """
        FROM impressions AS i
        WHERE i.user_pk IS NOT NULL AND i.surface = 'recommendations' AND i.ts_ms >= ? AND i.ts_ms < ?
          AND EXISTS (SELECT 1 FROM events AS e WHERE e.request_id = i.request_id AND e.type IN \(outcomeTypes))
        """

    /// How many lists `withOutcomes` would find in `[fromMs, toMs)` without a limit: whether a
    /// shop has enough to learn from, without reading them.
    public static func countWithOutcomes(fromMs: Int64, toMs: Int64, in db: Database) throws -> Int {
        try Int.fetchOne(db, sql: "SELECT count(*) \(listsWithAnOutcome)", arguments: [fromMs, toMs]) ?? 0
    }

    /// Lists of the recommendations surface (plain lists and page blocks) shown to known people
    /// in `[fromMs, toMs)` after which something happened, newest first, at most `limit`; and
    /// how many lists were shown to known people in the window in all.
    public static func withOutcomes(fromMs: Int64, toMs: Int64, limit: Int, in db: Database) throws -> (
        lists: [ListWithOutcomes], shown: Int
    ) {
        let shown =
            try Int.fetchOne(
                db,
                sql: """
                    SELECT count(*) FROM impressions
                    WHERE user_pk IS NOT NULL AND surface = 'recommendations' AND ts_ms >= ? AND ts_ms < ?
                    """, arguments: [fromMs, toMs]) ?? 0
        let rows = try Row.fetchAll(
            db,
            sql: """
                SELECT i.request_id, i.ts_ms, i.user_pk, i.device, i.items,
                       (SELECT json_group_array(json_array(it.item_id, e.type)) FROM events AS e JOIN items AS it USING (item_pk)
                        WHERE e.request_id = i.request_id AND e.type IN \(outcomeTypes)) AS outcomes
                \(listsWithAnOutcome)
                ORDER BY i.impression_pk DESC LIMIT ?
                """, arguments: [fromMs, toMs, limit])
        var lists: [ListWithOutcomes] = []
        lists.reserveCapacity(rows.count)
        for row in rows {
            let itemsText: String = row["items"]
            let outcomesText: String = row["outcomes"]
            guard let items = try? JSONSerialization.jsonObject(with: Data(itemsText.utf8)) as? [[String: Any]],
                let outcomes = try? JSONSerialization.jsonObject(with: Data(outcomesText.utf8)) as? [[String]]
            else { continue }
            var grade: [String: Int] = [:]
            for pair in outcomes where pair.count == 2 {
                grade[pair[0]] = max(grade[pair[0]] ?? 0, grades[pair[1]] ?? 0)
            }
            var seen = Set<String>()
            let shownItems = items.enumerated().compactMap { position, item -> Shown? in
                guard let id = item["item_id"] as? String, seen.insert(id).inserted else { return nil }
                let probability = (item["probability"] as? NSNumber)?.doubleValue ?? 1
                return Shown(
                    itemID: id, position: position + 1, probability: probability > 0 && probability <= 1 ? probability : 1,
                    outcome: grade[id] ?? 0)
            }
            lists.append(
                ListWithOutcomes(
                    requestID: row["request_id"], timestampMs: row["ts_ms"], userPK: row["user_pk"], device: row["device"],
                    items: shownItems))
        }
        return (lists, shown)
    }
}

/// Items exploring lists drew at random, per place: what position bias is estimated from.
public enum ExploredPlaces {
    /// Per 1-based place (index place - 1), the explored items shown there in `[fromMs, toMs)`,
    /// to anyone, and those followed by a click, cart or purchase carrying the list's request id.
    public static func counts(fromMs: Int64, toMs: Int64, in db: Database) throws -> (shown: [Int], followed: [Int]) {
        let rows = try Row.fetchAll(
            db,
            sql: """
                SELECT j.key + 1 AS place, count(*),
                       sum(EXISTS (SELECT 1 FROM events AS e JOIN items AS it USING (item_pk)
                                   WHERE e.request_id = i.request_id AND it.item_id = json_extract(j.value, '$.item_id')
                                     AND e.type IN \(ListWithOutcomes.outcomeTypes)))
                FROM impressions AS i, json_each(i.items) AS j
                WHERE i.surface = 'recommendations' AND i.ts_ms >= ? AND i.ts_ms < ? AND i.exploration IS NOT NULL
                  AND json_extract(j.value, '$.explored') = 1
                GROUP BY place ORDER BY place
                """, arguments: [fromMs, toMs])
        let places = rows.map { row -> Int in row[0] }.max() ?? 0
        var shown = [Int](repeating: 0, count: places)
        var followed = [Int](repeating: 0, count: places)
        for row in rows {
            let place: Int = row[0]
            shown[place - 1] = row[1]
            followed[place - 1] = row[2]
        }
        return (shown, followed)
    }
}
