import Foundation
import GRDB
import KindredTestSupport
import Testing

@testable import KindredStore

/// Filing sums its batch in Swift (`FiledEventFold`); rebuilds and imports sum the views in SQL.
/// On events of every kind, filed in several batches, the KPI rollups and the four feature
/// tables must hold what a rebuild from the views writes.
@Suite struct FiledEventFoldTests {
    /// 2026-11-02 00:00 UTC (a Monday).
    static let dayMs: Int64 = 1_793_577_600_000

    static let catalog = "item_id,category,price\nA,garden,10\nB,kitchen,5\nC,,8\nD,garden/tools,20\nE,kitchen,12\n"

    /// Sale marks in each form the view reads: JSON true, "yes", a number above and one below
    /// the price, and text (which SQLite orders above every number).
    static let attributes = [
        ("A", #"{"on_sale": true}"#), ("B", #"{"on_sale": "yes"}"#), ("C", #"{"compare_at_price": 9.5}"#),
        ("D", #"{"compare_at_price": 15}"#), ("E", #"{"compare_at_price": "was 20"}"#),
    ]

    struct Draft {
        var type: EventType
        var user: String?
        var item: String?
        var minutes: Int64
        var value: Double? = nil
        var price: Double? = nil
        var device: Device? = nil
        var country: String? = nil
        var region: String? = nil
        var localHour: Int? = nil
        var session: String? = nil
        var request: String? = nil
    }

    /// Two days; people and strangers; every type; dwell and scroll in and out of range; local
    /// hours and UTC ones; sessions and none; events that follow a logged response (with and
    /// without a model or an experiment), one whose item the response did not show, one that
    /// follows a response nobody logged, and an item the catalog does not know.
    static let drafts: [Draft] = [
        Draft(type: .view, user: "u1", item: "A", minutes: 1, device: .mobile, country: "GB", region: "ENG", localHour: 23, session: "s1", request: "r1"),
        Draft(type: .click, user: "u1", item: "A", minutes: 2, device: .mobile, country: "GB", session: "s1", request: "r1"),
        Draft(type: .dwell, user: "u1", item: "A", minutes: 3, value: 42.5, device: .mobile, session: "s1"),
        Draft(type: .dwell, user: "u1", item: "B", minutes: 4, value: -1, device: .mobile, session: "s1"),
        Draft(type: .scroll, user: "u1", item: "B", minutes: 5, value: 0.4, session: "s1"),
        Draft(type: .scroll, user: "u1", item: "B", minutes: 6, value: 1.5, session: "s1"),
        Draft(type: .addToCart, user: "u1", item: "A", minutes: 7, value: 2, price: 10, device: .mobile, session: "s1", request: "r1"),
        Draft(type: .purchase, user: "u1", item: "A", minutes: 8, value: 2, price: 9, device: .mobile, country: "GB", session: "s1", request: "r1"),
        Draft(type: .purchase, user: "u1", item: "C", minutes: 9, value: 1, device: .desktop, country: "FR", region: "IDF", session: "s2"),
        Draft(type: .purchase, user: "u2", item: "D", minutes: 400, value: 1, price: 14, device: .tablet, country: "DE", localHour: 7, request: "r2"),
        Draft(type: .purchase, user: "u2", item: "D", minutes: 401, value: 1, price: 16, device: .tablet, country: "DE", request: "r2"),
        Draft(type: .purchase, user: "u2", item: "E", minutes: 402, value: 3, price: 12, request: "r2"),
        Draft(type: .return, user: "u2", item: "E", minutes: 700, value: 1, price: 12, device: .desktop),
        Draft(type: .removeFromCart, user: "u2", item: "B", minutes: 701),
        Draft(type: .rating, user: "u2", item: "B", minutes: 702, value: 4),
        Draft(type: .addToCart, user: "u2", item: "B", minutes: 1600, value: 1, price: 5),
        Draft(type: .view, user: nil, item: "A", minutes: 10, device: .mobile, country: "GB", request: "r1"),
        Draft(type: .click, user: nil, item: "B", minutes: 11, device: .desktop, request: "r3"),
        Draft(type: .click, user: nil, item: "A", minutes: 12, request: "r-nobody-logged"),
        Draft(type: .purchase, user: nil, item: "B", minutes: 13, value: 1, price: 5, device: .mobile, country: "US"),
        Draft(type: .search, user: "u3", item: nil, minutes: 1500, device: .mobile, country: "GB", session: "s9"),
        Draft(type: .view, user: "u3", item: "Z-unknown", minutes: 1501, device: .mobile, country: "GB", session: "s9"),
        Draft(type: .purchase, user: "u3", item: "B", minutes: 1502, value: 1, device: .desktop, country: "GB", localHour: 13, session: "s9", request: "r3"),
        Draft(type: .view, user: "u1", item: "D", minutes: 1503, device: .tablet, country: "IE", session: "s10"),
        Draft(type: .purchase, user: "u1", item: "E", minutes: 1504, value: 1, price: 25, device: .tablet, country: "IE", session: "s10"),
    ]

    static func logResponses(in database: KindredDatabase) throws {
        func shown(_ ids: [String]) -> [ImpressionRecord.Shown] { ids.map { .init(itemID: $0, score: 1, reason: nil) } }
        let responses = [
            ImpressionRecord(
                requestID: "r1", timestampMs: dayMs, userPK: nil, surface: .recommendations, anchorItemID: nil, modelVersion: 3,
                personalized: true, items: shown(["B", "A"])),
            ImpressionRecord(
                requestID: "r2", timestampMs: dayMs + 399 * 60_000, userPK: nil, surface: .recommendations, anchorItemID: nil,
                modelVersion: nil, personalized: false, items: shown(["D", "C", "A"])),
            ImpressionRecord(
                requestID: "r3", timestampMs: dayMs, userPK: nil, surface: .similar, anchorItemID: "A", modelVersion: 4,
                personalized: false, items: shown(["A", "B"])),
        ]
        try database.writer.write { db in
            try ImpressionStore.write(responses, in: db)
            try db.execute(sql: "UPDATE impressions SET experiment = 'home', variant = 'b' WHERE request_id = 'r2'")
            // Count the responses again with the experiment that decided r2.
            try db.execute(sql: "DELETE FROM kpi_rollups")
            try KPIRollups.addImpressions(after: Int64.min, in: db)
        }
    }

    /// Every row of the five summary tables, as text, in a fixed order; reals rounded to 9 places
    /// (sums in another order may differ in the last bit).
    static func summaries(_ database: KindredDatabase) throws -> [String] {
        let tables = [
            ("kpi_rollups", "day, dimension, value"), ("person_days", "user_pk, day"), ("person_category_days", "user_pk, category, day"),
            ("person_session_days", "user_pk, session, day"), ("item_days", "item_pk, day"),
        ]
        return try database.writer.read { db in
            var lines: [String] = []
            for (table, order) in tables {
                for row in try Row.fetchAll(db, sql: "SELECT * FROM \(table) ORDER BY \(order)") {
                    let cells = row.columnNames.map { name -> String in
                        switch row[name] as DatabaseValue? {
                        case .some(let value):
                            if case .double(let x) = value.storage { return "\(name)=\((x * 1e9).rounded() / 1e9)" }
                            return "\(name)=\(value)"
                        case .none: return "\(name)=?"
                        }
                    }
                    lines.append("\(table): " + cells.joined(separator: " "))
                }
            }
            return lines
        }
    }

    @Test func filingSumsWhatARebuildFromTheViewsSums() throws {
        let directory = TemporaryDirectory()
        let database = try TestDatabase.create(in: directory)
        _ = try importText(Self.catalog, kind: .catalog, into: database)
        try database.writer.write { db in
            for (item, json) in Self.attributes {
                try db.execute(sql: "UPDATE items SET attributes = ? WHERE item_id = ?", arguments: [json, item])
            }
        }
        try Self.logResponses(in: database)
        let drafts = Self.drafts.map { d in
            EventDraft(
                sourceEventID: nil, type: d.type, userPseudonym: d.user.map { database.pseudonymizer.pseudonym(of: $0) }, itemID: d.item,
                sessionID: d.session, timestampMs: Self.dayMs + d.minutes * 60_000, value: d.value, price: d.price, device: d.device,
                country: d.country, region: d.region, localHour: d.localHour, referrer: nil, experiment: nil, variant: nil,
                requestID: d.request, latitude: nil, longitude: nil)
        }
        let keys = EventInboxKeys()
        _ = try database.writer.write { db in try EventBatchSession(db: db, nowMs: 1, inbox: keys).write(drafts) }
        keys.commit()
        // Several filings with one cache of item facts, as the server's writer files.
        let identities = IdentityCache()
        var filed = 0
        while true {
            let (batch, last) = try database.writer.write { db in try EventInbox.file(limit: 7, nowMs: 1, identities: identities, in: db) }
            EventInbox.finishFiling(through: last, keys: keys)
            guard last != nil else { break }
            filed += batch.stored
        }
        #expect(filed == Self.drafts.count)
        let folded = try Self.summaries(database)
        #expect(folded.contains { $0.hasPrefix("kpi_rollups:") && $0.contains(#"dimension="variant" value="home/b""#) })
        #expect(folded.contains { $0.hasPrefix("kpi_rollups:") && $0.contains(#"dimension="position" value="2""#) })
        // u1 on the first day: A on sale, C marked above its price; u2: D marked above 14 (not 16), E marked as text.
        #expect(folded.filter { $0.hasPrefix("person_days:") && $0.contains(" discounted=2 ") }.count == 2)

        try database.writer.write { db in
            _ = try KPIRollups.rebuild(in: db)
            _ = try FeatureStore.rebuild(in: db)
        }
        let rebuilt = try Self.summaries(database)
        #expect(folded.count == rebuilt.count)
        for (a, b) in zip(folded, rebuilt) where a != b { Issue.record("filed: \(a)\nrebuilt: \(b)") }

        // Days, sessions and categories as `personSums` counts them (rows in key order, summed
        // in Swift), against the GROUP BY statements it replaced, on the same sums.
        try database.writer.read { db in
            let today = Self.dayMs / 86_400_000 + 1
            var categoryEvents: [String: Int] = [:]
            let sums = try FeatureStore.personSums(beforeDay: nil, today: today, categoryEvents: &categoryEvents, in: db)
            let days = try Row.fetchAll(
                db,
                sql: """
                    SELECT d.user_pk, u.pseudonym, sum(d.events), sum(d.views), sum(d.carts), sum(d.purchases), sum(d.discounted),
                           total(d.revenue), total(d.dwell_seconds), sum(d.scroll_events), total(d.price_sum), sum(d.night),
                           sum(d.evening), sum(d.weekday), sum(d.mobile), count(*), min(d.day),
                           sum(CASE WHEN d.day >= ?1 - 1 THEN d.events ELSE 0 END), sum(CASE WHEN d.day >= ?1 - 7 THEN d.events ELSE 0 END),
                           max(d.last_ms), d.last_device, d.last_country, d.last_region
                    FROM person_days AS d JOIN users AS u ON u.user_pk = d.user_pk WHERE d.day < ?1
                    GROUP BY d.user_pk ORDER BY d.user_pk
                    """, arguments: [today + 1]
            ).map { row in (0..<23).map { "\(row[$0] as DatabaseValue)" }.joined(separator: " ") }
            #expect(days.count >= 2)
            #expect(
                sums.map { p in
                    [
                        "\(p.userPK)", "\"\(p.pseudonym)\"", "\(p.events)", "\(p.views)", "\(p.carts)", "\(p.purchases)", "\(p.discounted)",
                        "\(p.revenue)", "\(p.dwellSeconds)", "\(p.scrollEvents)", "\(p.priceSum)", "\(p.night)", "\(p.evening)", "\(p.weekday)",
                        "\(p.mobile)", "\(p.activeDays)", "\(p.firstDay)", "\(p.eventsLastDay)", "\(p.eventsLastWeek)", "\(p.lastMs)",
                        "\"\(p.lastDevice)\"", "\"\(p.lastCountry)\"", "\"\(p.lastRegion)\"",
                    ].joined(separator: " ")
                } == days)
            // The shop's top categories summed on the way, as the statement over everyone orders them.
            #expect(!categoryEvents.isEmpty)
            #expect(
                FeatureStore.topCategories(of: categoryEvents, limit: 5)
                    == (try FeatureStore.topCategories(beforeDay: nil, today: today, limit: 5, in: db)))
            let sessions = try Row.fetchAll(
                db,
                sql: """
                    WITH s AS (
                        SELECT d.user_pk, sum(d.carts) AS carts, sum(d.purchases) AS purchases FROM person_session_days AS d
                        GROUP BY d.user_pk, d.session, CASE WHEN d.session = '' THEN d.day END
                    )
                    SELECT user_pk, count(*), sum(purchases > 0), sum(carts > 0), sum(carts > 0 AND purchases = 0)
                    FROM s GROUP BY user_pk ORDER BY user_pk
                    """
            ).map { "\($0[0] as Int64): \($0[1] as Int) \($0[2] as Int) \($0[3] as Int) \($0[4] as Int)" }
            #expect(sums.map { "\($0.userPK): \($0.sessions) \($0.orderSessions) \($0.cartSessions) \($0.abandonedSessions)" } == sessions)
            #expect(sums.contains { $0.sessions == 2 && $0.abandonedSessions == 1 }, "u2: a session a day without ids, one with a cart alone")
            let categories = try Row.fetchAll(
                db,
                sql: """
                    SELECT d.user_pk, d.category, sum(d.events) AS events, sum(d.purchases) FROM person_category_days AS d
                    GROUP BY d.user_pk, d.category ORDER BY d.user_pk, events DESC, d.category
                    """
            ).map { "\($0[0] as Int64) \($0[1] as String) \($0[2] as Int) \($0[3] as Int)" }
            #expect(sums.flatMap { person in person.categories.map { "\(person.userPK) \($0.name) \($0.events) \($0.purchases)" } } == categories)
        }
    }
}
