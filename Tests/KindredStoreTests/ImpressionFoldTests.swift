import Foundation
import GRDB
import KindredTestSupport
import Testing

@testable import KindredStore

/// Logging responses sums them in Swift (`ImpressionFold`); a rebuild sums the view
/// `kpi_impression_facts` in SQL. On responses of every shape, logged in several batches through
/// one writer's cache, the rollups must hold what a rebuild writes.
@Suite struct ImpressionFoldTests {
    /// 2026-11-02 00:00 UTC.
    static let dayMs: Int64 = 1_793_577_600_000

    static let catalog = "item_id,category,price\nA,garden,10\nB,kitchen,5\nC,,8\nD,garden/tools,20\n"

    static func shown(_ ids: [String]) -> [ImpressionRecord.Shown] { ids.map { .init(itemID: $0, score: 1, reason: nil) } }

    static func record(
        _ id: String, minutes: Int64, _ items: [String], surface: ImpressionRecord.Surface = .recommendations, model: Int64? = 1,
        device: String? = nil, country: String? = nil, block: String? = nil, experiment: (String, String)? = nil
    ) -> ImpressionRecord {
        var record = ImpressionRecord(
            requestID: id, timestampMs: dayMs + minutes * 60_000, userPK: nil, surface: surface, anchorItemID: nil, modelVersion: model,
            personalized: true, items: shown(items))
        record.device = device
        record.country = country
        record.block = block
        if let experiment { record.exposure = .init(experimentPK: 1, experiment: experiment.0, variant: experiment.1) }
        return record
    }

    /// Two days and several hours; every surface; a model and none; devices, countries and
    /// neither; page blocks; an experiment's variant; an empty list; an item without a
    /// category and one the catalog does not know; and a request id logged twice.
    static let batches: [[ImpressionRecord]] = [
        [
            record("r1", minutes: 5, ["A", "B", "C"], device: "mobile", country: "GB"),
            record("r2", minutes: 70, ["D", "Z-unknown"], surface: .similar, model: nil),
            record("r3", minutes: 71, [], device: "desktop"),
        ],
        [
            record("p1", minutes: 600, ["A", "D"], device: "mobile", country: "GB", block: "for-you"),
            record("p2", minutes: 600, ["B"], device: "mobile", country: "GB", block: "trending"),
            record("r1", minutes: 601, ["B", "B", "B", "B"], device: "tablet"),
            record("e1", minutes: 1500, ["C", "A"], model: 2, country: "FR", experiment: ("home", "b")),
        ],
        [record("e2", minutes: 1501, ["A", "Z-unknown", "D"], model: 2, experiment: ("home", "a"))],
    ]

    static func rollups(_ database: KindredDatabase) throws -> [String] {
        try database.writer.read { db in
            try String.fetchAll(
                db, sql: "SELECT day || ' ' || dimension || '=' || value || ': ' || lists || ' ' || impressions FROM kpi_rollups ORDER BY 1")
        }
    }

    @Test func loggingSumsWhatARebuildFromTheViewSums() throws {
        let directory = TemporaryDirectory()
        let database = try TestDatabase.create(in: directory)
        _ = try importText(Self.catalog, kind: .catalog, into: database)
        let identities = IdentityCache()
        for batch in Self.batches {
            try identities.transaction(in: database.writer) { db in try ImpressionStore.write(batch, identities: identities, in: db) }
        }
        let logged = try Self.rollups(database)
        try database.writer.write { db in _ = try KPIRollups.rebuild(in: db) }
        let rebuilt = try Self.rollups(database)
        #expect(logged == rebuilt)
        // A few lines by hand: the first day's responses (r1, r2, r3, p1, p2; r1's second
        // logging is not counted) and their eight items; garden is A and D.
        #expect(logged.contains("20759 all=: 5 8"))
        #expect(logged.contains("20759 category=garden: 0 2"))
        #expect(logged.contains("20759 category=: 0 2"))
        #expect(logged.contains("20759 position=1: 4 4"))
        #expect(logged.contains("20759 block=for-you: 1 2"))
        #expect(logged.contains("20760 variant=home/b: 1 2"))
        #expect(!logged.contains { $0.contains("device=tablet") })
    }

    /// A category changed by another connection between batches is read anew: the writer's
    /// cache forgets what it knew when anyone else commits.
    @Test func aCategoryChangedElsewhereIsReadAgain() throws {
        let directory = TemporaryDirectory()
        let database = try TestDatabase.create(in: directory)
        _ = try importText(Self.catalog, kind: .catalog, into: database)
        let identities = IdentityCache()
        try identities.transaction(in: database.writer) { db in
            try ImpressionStore.write([Self.record("x1", minutes: 1, ["A"])], identities: identities, in: db)
        }
        let other = try KindredDatabase.open(at: database.path, keyPath: database.keyPath, nowMs: 1)
        try other.writer.write { db in try db.execute(sql: "UPDATE items SET category = 'outdoor' WHERE item_id = 'A'") }
        try identities.transaction(in: database.writer) { db in
            try ImpressionStore.write([Self.record("x2", minutes: 2, ["A"])], identities: identities, in: db)
        }
        let logged = try Self.rollups(database)
        #expect(logged.contains("20759 category=garden: 0 1"))
        #expect(logged.contains("20759 category=outdoor: 0 1"))
    }
}
