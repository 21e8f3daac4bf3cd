import Foundation
import GRDB
import KindredTestSupport
import Testing

@testable import KindredStore

/// The dashboard's segment queries on a history built by hand: sizes at each day's end and the
/// moves between clusters, against counts worked out below; and the shown query's cells as
/// SQLite stored them.
@Suite struct DashboardQueryTests {
    static let day: Int64 = 20_760
    static let dayMs: Int64 = 20_760 * 86_400_000

    /// Segments a and b (clusters) and r (a rule). People: 1 in a all along; 2 in a until the middle
    /// of day 1, then in b; 3 joins b on day 2; 4 in a until day 0's end, then out of everything;
    /// 5 in r from day 1.
    static func shop() throws -> (KindredDatabase, TemporaryDirectory) {
        let directory = TemporaryDirectory()
        let database = try TestDatabase.create(in: directory)
        let hour: Int64 = 3_600_000
        try database.writer.write { db in
            for user in 1...5 {
                try db.execute(sql: "INSERT INTO users (user_pk, pseudonym, created_ms, updated_ms) VALUES (?, ?, 0, 0)", arguments: [user, "p\(user)"])
            }
            for (pk, key, rule) in [(1, "a", nil), (2, "b", nil), (3, "r", "recency_days < 7")] as [(Int, String, String?)] {
                try db.execute(
                    sql: "INSERT INTO segments (segment_pk, key, name, kind, rule, created_ms, updated_ms) VALUES (?, ?, ?, ?, ?, 0, 0)",
                    arguments: [pk, key, key, rule == nil ? "cluster" : "behavioral", rule])
            }
            let stays: [(Int, Int, Int64, Int64?)] = [
                (1, 1, dayMs - 10 * hour, nil),
                (1, 2, dayMs - 10 * hour, dayMs + 36 * hour), (2, 2, dayMs + 36 * hour, nil),
                (2, 3, dayMs + 50 * hour, nil),
                (1, 4, dayMs - 10 * hour, dayMs + 24 * hour),
                (3, 5, dayMs + 30 * hour, nil),
            ]
            for (segment, user, from, to) in stays {
                try db.execute(
                    sql: "INSERT INTO segment_history (segment_pk, user_pk, from_ms, to_ms) VALUES (?, ?, ?, ?)", arguments: [segment, user, from, to])
            }
        }
        return (database, directory)
    }

    @Test func sizesAtEachDaysEndAndMovesBetweenClusters() throws {
        let (database, directory) = try Self.shop()
        _ = directory
        let sizes = try database.writer.read { db in try SegmentQueries.sizesPerDay(days: Self.day...(Self.day + 2)).run(in: db) }
        #expect(sizes.columns == ["day", "segment", "members"])
        let table = sizes.rows.map { "\($0[1].text) \($0[0].text) \($0[2].text)" }
        // a: 1, 2 and 4 at day 0's end (4 leaves at that very moment, which still counts, as in the
        // segment report); 1 after 2 moves on day 1.
        // b: 2 from day 1, 3 from day 2. r: 5 from day 1.
        #expect(
            table == [
                "a 2026-11-03 3", "a 2026-11-04 1", "a 2026-11-05 1",
                "b 2026-11-03 0", "b 2026-11-04 1", "b 2026-11-05 2",
                "r 2026-11-03 0", "r 2026-11-04 1", "r 2026-11-05 1",
            ])
        // The same as counting, for each day's end, the stays that cover it.
        let counted = try database.writer.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    WITH RECURSIVE days(day) AS (SELECT ? UNION ALL SELECT day + 1 FROM days WHERE day < ?)
                    SELECT s.key, days.day, count(h.user_pk) FROM days CROSS JOIN segments AS s
                    LEFT JOIN segment_history AS h ON h.segment_pk = s.segment_pk AND h.from_ms < (days.day + 1) * 86400000
                     AND (h.to_ms IS NULL OR h.to_ms >= (days.day + 1) * 86400000)
                    GROUP BY s.key, days.day ORDER BY s.key, days.day
                    """, arguments: [Self.day, Self.day + 2]
            ).map { row -> Int in row[2] }
        }
        #expect(sizes.rows.map { Int($0[2].number!) } == counted)

        let moves = try database.writer.read { db in try SegmentQueries.moves(days: Self.day...(Self.day + 2)).run(in: db) }
        #expect(moves.rows == [[.text("a"), .text("b"), .integer(1)]], "2 moved from a to b; 4 left for nowhere; r is a rule")
        let later = try database.writer.read { db in try SegmentQueries.moves(days: (Self.day + 2)...(Self.day + 2)).run(in: db) }
        #expect(later.rows.isEmpty, "the move happened before the period")
    }

    @Test func aShownQueryKeepsWhatSQLiteStored() throws {
        let directory = TemporaryDirectory()
        let database = try TestDatabase.create(in: directory)
        let result = try database.writer.read { db in
            try ShownQuery("SELECT 1 AS i, 0.5 AS r, 'x''y' AS t, NULL AS n, 2.0 AS whole").run(in: db)
        }
        #expect(result.columns == ["i", "r", "t", "n", "whole"])
        #expect(result.rows == [[.integer(1), .real(0.5), .text("x'y"), .null, .real(2)]])
        #expect(result.rows[0].map(\.text) == ["1", "0.5", "x'y", "", "2.0"])
        #expect(SQLText.quoted("it's") == "'it''s'")
        #expect(SQLText.day(20_760) == "20760 /* 2026-11-03 */")
    }
}
