import Foundation
import GRDB

/// The content blocks pages are made of (`blocks`).
public enum BlockStore {
    public struct Block: Sendable, Equatable, Codable {
        public var key: String
        public var surface: String
        public var source: String
        public var title: String
        public var size: Int
        public var position: Int
        public var category: String?
        public var enabled: Bool

        public init(
            key: String, surface: String, source: String, title: String, size: Int, position: Int, category: String?, enabled: Bool
        ) {
            self.key = key
            self.surface = surface
            self.source = source
            self.title = title
            self.size = size
            self.position = position
            self.category = category
            self.enabled = enabled
        }
    }

    static let columns = "key, surface, source, title, size, position, category, enabled"

    static func block(_ row: Row) -> Block {
        Block(
            key: row[0], surface: row[1], source: row[2], title: row[3], size: row[4], position: row[5], category: row[6],
            enabled: (row[7] as Int64) != 0)
    }

    /// Every block, by surface and default position.
    public static func all(in db: Database) throws -> [Block] {
        try Row.fetchAll(db.cachedStatement(sql: "SELECT \(columns) FROM blocks ORDER BY surface, position, key")).map(block)
    }

    public static func find(key: String, in db: Database) throws -> Block? {
        try Row.fetchOne(db.cachedStatement(sql: "SELECT \(columns) FROM blocks WHERE key = ?"), arguments: [key]).map(block)
    }

    /// Adds a block; false when the key is taken.
    public static func add(_ block: Block, nowMs: Int64, in db: Database) throws -> Bool {
        try db.execute(
            sql: """
                INSERT INTO blocks (key, surface, source, title, size, position, category, enabled, created_ms, updated_ms)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (key) DO NOTHING
                """,
            arguments: [
                block.key, block.surface, block.source, block.title, block.size, block.position, block.category, block.enabled ? 1 : 0,
                nowMs, nowMs,
            ])
        return db.changesCount > 0
    }

    /// Replaces a block's settings (the key and surface stay).
    public static func update(_ block: Block, nowMs: Int64, in db: Database) throws {
        try db.execute(
            sql: """
                UPDATE blocks SET source = ?, title = ?, size = ?, position = ?, category = ?, enabled = ?, updated_ms = ? WHERE key = ?
                """,
            arguments: [block.source, block.title, block.size, block.position, block.category, block.enabled ? 1 : 0, nowMs, block.key])
    }

    /// Per block key, how many of its lists this person was shown since `sinceMs` and how many
    /// of those led to a click, a cart or a purchase (attributed by request id): what a page
    /// orders its blocks by.
    public static func engagement(userPK: Int64, sinceMs: Int64, in db: Database) throws -> [String: (shown: Int, engaged: Int)] {
        var result: [String: (Int, Int)] = [:]
        for row in try Row.fetchAll(
            db.cachedStatement(
                sql: """
                    SELECT i.block, count(*), sum(EXISTS (
                        SELECT 1 FROM events e WHERE e.request_id = i.request_id AND e.type IN ('click', 'add_to_cart', 'purchase')))
                    FROM impressions i WHERE i.user_pk = ? AND i.block IS NOT NULL AND i.ts_ms >= ?
                    GROUP BY i.block
                    """), arguments: [userPK, sinceMs])
        {
            result[row[0]] = (row[1], row[2])
        }
        return result
    }

    /// A person's latest events with items (newest first): what "continue where you left off"
    /// and "because you viewed" start from.
    public static func recentEvents(userPK: Int64, limit: Int, in db: Database) throws -> [(itemPK: Int64, type: String, tsMs: Int64)] {
        try Row.fetchAll(
            db.cachedStatement(
                sql: """
                    SELECT item_pk, type, ts_ms FROM events WHERE user_pk = ? AND item_pk IS NOT NULL ORDER BY ts_ms DESC LIMIT ?
                    """), arguments: [userPK, limit]
        ).map { ($0[0], $0[1], $0[2]) }
    }

    /// The items the members of a segment took up most in the week before `nowMs` (views count
    /// one, carts three, purchases five), best first.
    public static func trending(segmentPK: Int64, nowMs: Int64, limit: Int, in db: Database) throws -> [Int64] {
        try Int64.fetchAll(
            db.cachedStatement(
                sql: """
                    SELECT e.item_pk FROM segment_members m JOIN events e ON e.user_pk = m.user_pk
                    WHERE m.segment_pk = ? AND e.ts_ms >= ? AND e.item_pk IS NOT NULL
                        AND e.type IN ('view', 'click', 'add_to_cart', 'purchase')
                    GROUP BY e.item_pk
                    ORDER BY sum(CASE e.type WHEN 'purchase' THEN 5 WHEN 'add_to_cart' THEN 3 ELSE 1 END) DESC, e.item_pk
                    LIMIT ?
                    """), arguments: [segmentPK, nowMs - 7 * 86_400_000, limit])
    }
}

extension BlockStore {
    /// The person's segment for "trending in your segment": the live one they joined last (rule
    /// segments and clusters alike), with its name.
    public static func segment(of userPK: Int64, in db: Database) throws -> (pk: Int64, name: String)? {
        try Row.fetchOne(
            db.cachedStatement(
                sql: """
                    SELECT s.segment_pk, s.name FROM segment_members m JOIN segments s USING (segment_pk)
                    WHERE m.user_pk = ? AND s.retired_ms IS NULL ORDER BY m.since_ms DESC, s.segment_pk LIMIT 1
                    """), arguments: [userPK]
        ).map { ($0[0], $0[1]) }
    }
}
