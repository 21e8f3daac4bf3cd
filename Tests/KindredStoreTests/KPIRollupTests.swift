import Foundation
import GRDB
import KindredTestSupport
import Testing

@testable import KindredStore

/// The KPI rollups against sums worked out by hand on a tiny shop, and the same rollups
/// whichever way the events came in: an import, the server's inbox and filing, a rebuild, or
/// the migration that counted what was stored before it.
@Suite struct KPIRollupTests {
    /// 2026-11-02 00:00 UTC, day 20759 since 1970.
    static let dayMs: Int64 = 1_793_577_600_000
    static let day: Int64 = 20759

    static let catalog = "item_id,category,price\nA,garden,10\nB,kitchen,5\n"

    /// u1 follows the logged response r1 (A then B) all the way to buying two of A; u2 buys and
    /// returns B on their own; u3 clicks B from r1 the next day, and A from a response nobody logged.
    static let events = """
        type,user_id,item_id,ts,value,price,device,country,request_id
        view,u1,A,2026-11-02T10:01:00Z,,,mobile,GB,r1
        click,u1,A,2026-11-02T10:01:05Z,,,mobile,GB,r1
        dwell,u1,A,2026-11-02T10:01:40Z,30,,mobile,GB,r1
        add_to_cart,u1,A,2026-11-02T10:02:00Z,2,10,mobile,GB,r1
        purchase,u1,A,2026-11-02T10:05:00Z,2,10,mobile,GB,r1
        view,u2,B,2026-11-02T11:00:00Z,,,desktop,DE,
        purchase,u2,B,2026-11-02T11:03:00Z,1,5,desktop,DE,
        return,u2,B,2026-11-02T18:00:00Z,1,5,desktop,DE,
        click,u3,B,2026-11-03T09:00:00Z,,,tablet,GB,r1
        click,u3,A,2026-11-03T09:01:00Z,,,tablet,GB,r-unlogged

        """

    static let response = ImpressionRecord(
        requestID: "r1", timestampMs: dayMs + 10 * 3_600_000, userPK: nil, surface: .recommendations, anchorItemID: nil, modelVersion: 3,
        personalized: true, items: [.init(itemID: "A", score: 0.9, reason: nil), .init(itemID: "B", score: 0.5, reason: nil)])

    static func logResponse(in database: KindredDatabase) throws {
        var record = response
        record.device = "mobile"
        record.country = "GB"
        try database.writer.write { db in try ImpressionStore.write([record], in: db) }
    }

    /// Every rollup row, as text, in a fixed order.
    static func rollups(_ database: KindredDatabase) throws -> [String] {
        try database.writer.read { db in
            try String.fetchAll(
                db,
                sql: """
                    SELECT day || ' ' || dimension || '=' || value || ': ' || lists || ' ' || impressions || ' | ' || events || ' ' || views || ' '
                        || clicks || ' ' || carts || ' ' || purchases || ' ' || revenue || ' ' || dwell_seconds || ' ' || dwell_events
                        || ' | ' || rec_clicks || ' ' || rec_carts || ' ' || rec_purchases || ' ' || rec_revenue
                    FROM kpi_rollups ORDER BY day, dimension, value
                    """)
        }
    }

    /// Worked out by hand from `events` and `response`: "day dimension=value: lists impressions |
    /// events views clicks carts purchases revenue dwell_seconds dwell_events | rec_clicks rec_carts
    /// rec_purchases rec_revenue". r1 shows A at 1 and B at 2 at 10:00 UTC; u1's five events
    /// follow it, and u3's click the next day counts under r1's hour too.
    static let expected = [
        "20759 all=: 1 2 | 8 2 1 1 2 20.0 30.0 1 | 1 1 1 20.0",
        "20759 category=garden: 0 1 | 5 1 1 1 1 20.0 30.0 1 | 1 1 1 20.0",
        "20759 category=kitchen: 0 1 | 3 1 0 0 1 0.0 0.0 0 | 0 0 0 0.0",
        "20759 country=DE: 0 0 | 3 1 0 0 1 0.0 0.0 0 | 0 0 0 0.0",
        "20759 country=GB: 1 2 | 5 1 1 1 1 20.0 30.0 1 | 1 1 1 20.0",
        "20759 device=desktop: 0 0 | 3 1 0 0 1 0.0 0.0 0 | 0 0 0 0.0",
        "20759 device=mobile: 1 2 | 5 1 1 1 1 20.0 30.0 1 | 1 1 1 20.0",
        "20759 hour=10: 1 2 | 5 1 1 1 1 20.0 30.0 1 | 1 1 1 20.0",
        "20759 model=3: 1 2 | 5 1 1 1 1 20.0 30.0 1 | 1 1 1 20.0",
        "20759 position=1: 1 1 | 5 1 1 1 1 20.0 30.0 1 | 1 1 1 20.0",
        "20759 position=2: 1 1 | 0 0 0 0 0 0.0 0.0 0 | 0 0 0 0.0",
        "20759 surface=recommendations: 1 2 | 5 1 1 1 1 20.0 30.0 1 | 1 1 1 20.0",
        "20760 all=: 0 0 | 2 0 2 0 0 0.0 0.0 0 | 1 0 0 0.0",
        "20760 category=garden: 0 0 | 1 0 1 0 0 0.0 0.0 0 | 0 0 0 0.0",
        "20760 category=kitchen: 0 0 | 1 0 1 0 0 0.0 0.0 0 | 1 0 0 0.0",
        "20760 country=GB: 0 0 | 2 0 2 0 0 0.0 0.0 0 | 1 0 0 0.0",
        "20760 device=tablet: 0 0 | 2 0 2 0 0 0.0 0.0 0 | 1 0 0 0.0",
        "20760 hour=10: 0 0 | 1 0 1 0 0 0.0 0.0 0 | 1 0 0 0.0",
        "20760 model=3: 0 0 | 1 0 1 0 0 0.0 0.0 0 | 1 0 0 0.0",
        "20760 position=2: 0 0 | 1 0 1 0 0 0.0 0.0 0 | 1 0 0 0.0",
        "20760 surface=recommendations: 0 0 | 1 0 1 0 0 0.0 0.0 0 | 1 0 0 0.0",
    ]

    @Test func anImportAddsWhatWasWorkedOutByHand() throws {
        let directory = TemporaryDirectory()
        let database = try TestDatabase.create(in: directory)
        _ = try importText(Self.catalog, kind: .catalog, into: database)
        try Self.logResponse(in: database)
        _ = try importText(Self.events, kind: .events, into: database)
        // The catalog's two items, one per category, each shown once by r1.
        #expect(try Self.rollups(database) == Self.expected)
        // The same import again stores nothing and adds nothing.
        _ = try importText(Self.events, kind: .events, into: database)
        #expect(try Self.rollups(database) == Self.expected)
        let daily = try database.writer.read { db in
            try String.fetchAll(
                db, sql: "SELECT day || ' ' || coalesce(ctr, '-') || ' ' || coalesce(conversion, '-') || ' ' || coalesce(revenue_share, '-') || ' ' || coalesce(mean_dwell_seconds, '-') FROM daily_kpis ORDER BY day")
        }
        #expect(daily == ["2026-11-02 0.5 1.0 1.0 30.0", "2026-11-03 - 0.0 - -"])
    }

    @Test func theInboxAndFilingARebuildAndTheMigrationAllCountTheSame() throws {
        let directory = TemporaryDirectory()
        let served = try TestDatabase.create(in: directory)
        _ = try importText(Self.catalog, kind: .catalog, into: served)
        try Self.logResponse(in: served)
        // The server's way: parsed as the API does, into the inbox, filed in two batches.
        // The same events as the API takes them, into the inbox, filed in two batches.
        let drafts = Self.events.split(separator: "\n").dropFirst().map { line -> EventDraft in
            let f = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            let ts = Int64(ISO8601DateFormatter().date(from: f[3])!.timeIntervalSince1970 * 1000)
            return EventDraft(
                sourceEventID: nil, type: EventType(rawValue: f[0])!, userPseudonym: served.pseudonymizer.pseudonym(of: f[1]), itemID: f[2],
                sessionID: nil, timestampMs: ts, value: Double(f[4]), price: Double(f[5]), device: Device(rawValue: f[6]), country: f[7],
                region: nil, localHour: nil, referrer: nil, experiment: nil, variant: nil, requestID: f[8].isEmpty ? nil : f[8],
                latitude: nil, longitude: nil)
        }
        #expect(drafts.count == 10)
        let keys = EventInboxKeys()
        _ = try served.writer.write { db in try EventBatchSession(db: db, nowMs: 1, inbox: keys).write(drafts) }
        keys.commit()
        #expect(try Self.rollups(served).filter { !$0.contains("| 0 0 0 0 0 0.0 0.0 0 |") }.isEmpty, "waiting events count nothing yet")
        for _ in 0..<2 {
            let (_, last) = try served.writer.write { db in try EventInbox.file(limit: 6, nowMs: 1, in: db) }
            EventInbox.finishFiling(through: last, keys: keys)
        }
        #expect(try Self.rollups(served) == Self.expected)
        try served.writer.write { db in _ = try KPIRollups.rebuild(in: db) }
        #expect(try Self.rollups(served) == Self.expected, "a rebuild recounts the same")

        // A database of version 8 with the same events and response, stored before rollups
        // existed: migrating counts them once.
        let old = TemporaryDirectory()
        let queue = try DatabaseQueue(path: old.file("old.sqlite"))
        try Migrator(migrations: Migration.embedded.filter { $0.version <= 8 }).migrate(queue, nowMs: 1)
        try served.writer.read { db in
            let items = try Row.fetchAll(db, sql: "SELECT item_pk, item_id, category, catalog_ms, created_ms, updated_ms FROM items")
            let users = try Row.fetchAll(db, sql: "SELECT user_pk, pseudonym, created_ms, updated_ms FROM users")
            let events = try Row.fetchAll(
                db, sql: "SELECT event_pk, event_key, type, user_pk, item_pk, ts_ms, value, price, device, country, request_id, received_ms FROM events")
            let impressions = try Row.fetchAll(
                db, sql: "SELECT request_id, ts_ms, surface, model_version, personalized, items FROM impressions")
            try queue.write { old in
                for row in items {
                    try old.execute(
                        sql: "INSERT INTO items (item_pk, item_id, category, catalog_ms, created_ms, updated_ms) VALUES (?, ?, ?, ?, ?, ?)",
                        arguments: StatementArguments(row.databaseValues))
                }
                for row in users {
                    try old.execute(sql: "INSERT INTO users (user_pk, pseudonym, created_ms, updated_ms) VALUES (?, ?, ?, ?)", arguments: StatementArguments(row.databaseValues))
                }
                for row in events {
                    try old.execute(
                        sql: """
                            INSERT INTO events (event_pk, event_key, type, user_pk, item_pk, ts_ms, value, price, device, country, request_id, received_ms)
                            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                            """, arguments: StatementArguments(row.databaseValues))
                }
                for row in impressions {
                    try old.execute(
                        sql: "INSERT INTO impressions (request_id, ts_ms, surface, model_version, personalized, items) VALUES (?, ?, ?, ?, ?, ?)",
                        arguments: StatementArguments(row.databaseValues))
                }
            }
        }
        #expect(try Migrator().migrate(queue, nowMs: 1) == Array(9...Migrator().latestVersion))
        // The old response said nothing of its device and country, so only those rows differ.
        let migrated = try queue.read { db in
            try String.fetchAll(db, sql: "SELECT day || ' ' || dimension || '=' || value || ': ' || lists || ' ' || impressions || ' | ' || events FROM kpi_rollups ORDER BY day, dimension, value")
        }
        let rebuilt = try queue.write { db -> [String] in
            try KPIRollups.rebuild(in: db)
            return try String.fetchAll(db, sql: "SELECT day || ' ' || dimension || '=' || value || ': ' || lists || ' ' || impressions || ' | ' || events FROM kpi_rollups ORDER BY day, dimension, value")
        }
        #expect(migrated == rebuilt, "the migration counts as the code does")
        #expect(migrated.contains("20759 device=: 1 2 | 0"), "an old response is counted under no device")
        #expect(migrated.contains("20759 all=: 1 2 | 8"))
    }
}
