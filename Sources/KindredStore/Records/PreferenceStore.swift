import Foundation
import GRDB

/// People's standing instructions about what they are shown (`preferences`).
public enum PreferenceStore {
    public struct Preference: Sendable, Equatable, Codable {
        public var kind: String
        public var targetType: String
        public var target: String
        public var createdMs: Int64

        public init(kind: String, targetType: String, target: String, createdMs: Int64) {
            self.kind = kind
            self.targetType = targetType
            self.target = target
            self.createdMs = createdMs
        }
    }

    /// Records a preference; false when the person had said it already (the first time stands).
    public static func add(userPK: Int64, kind: String, targetType: String, target: String, nowMs: Int64, in db: Database) throws -> Bool {
        try db.execute(
            sql: """
                INSERT INTO preferences (user_pk, kind, target_type, target, created_ms) VALUES (?, ?, ?, ?, ?)
                ON CONFLICT DO NOTHING
                """, arguments: [userPK, kind, targetType, target, nowMs])
        return db.changesCount > 0
    }

    /// Takes a preference back; false when there was none to take.
    public static func remove(userPK: Int64, kind: String, targetType: String, target: String, in db: Database) throws -> Bool {
        try db.execute(
            sql: "DELETE FROM preferences WHERE user_pk = ? AND kind = ? AND target_type = ? AND target = ?",
            arguments: [userPK, kind, targetType, target])
        return db.changesCount > 0
    }

    /// A person's preferences, oldest first.
    public static func of(userPK: Int64, in db: Database) throws -> [Preference] {
        try Row.fetchAll(
            db.cachedStatement(
                sql: "SELECT kind, target_type, target, created_ms FROM preferences WHERE user_pk = ? ORDER BY created_ms, kind, target"),
            arguments: [userPK]
        ).map { Preference(kind: $0[0], targetType: $0[1], target: $0[2], createdMs: $0[3]) }
    }

    /// Per person, the items their "not interested" covers (items named, and every item of a
    /// category below a path or of a brand they named): what training leaves out of their row.
    public static func notInterestedItemPKs(in db: Database) throws -> [Int64: Set<Int64>] {
        var result: [Int64: Set<Int64>] = [:]
        let rows = try Row.fetchCursor(
            db.cachedStatement(sql: "SELECT p.user_pk, i.item_pk FROM \(notInterestedJoin) WHERE p.kind = 'not_interested'"))
        while let row = try rows.next() { result[row[0], default: []].insert(row[1]) }
        return result
    }

    /// Preferences `p` joined to the items `i` they cover: items named, items of a category at
    /// or below a path, items of a brand.
    static let notInterestedJoin = """
        preferences p JOIN items i ON
            (p.target_type = 'item' AND i.item_id = p.target)
            OR (p.target_type = 'category' AND (lower(i.category) = p.target
                OR substr(lower(i.category), 1, length(p.target) + 1) = p.target || '/'))
            OR (p.target_type = 'brand' AND lower(json_extract(i.attributes, '$.brand')) = p.target)
        """

    /// The item keys one person's "not interested" covers, as a subquery with one parameter.
    public static let notInterestedItemsOfOne =
        "SELECT i.item_pk FROM \(notInterestedJoin) WHERE p.kind = 'not_interested' AND p.user_pk = ?"

    /// Whether any catalog item is in the category (or below it).
    public static func categoryExists(_ path: String, in db: Database) throws -> Bool {
        try Bool.fetchOne(
            db.cachedStatement(
                sql: """
                    SELECT EXISTS (SELECT 1 FROM items WHERE lower(category) = ?1 OR substr(lower(category), 1, length(?1) + 1) = ?1 || '/')
                    """), arguments: [path]) ?? false
    }

    /// Whether any catalog item names the brand.
    public static func brandExists(_ brand: String, in db: Database) throws -> Bool {
        try Bool.fetchOne(
            db.cachedStatement(sql: "SELECT EXISTS (SELECT 1 FROM items WHERE lower(json_extract(attributes, '$.brand')) = ?)"),
            arguments: [brand]) ?? false
    }
}

extension ProfileStore {
    /// The person's profile key, creating the profile when they have none yet: a preference
    /// may come before any event.
    public static func ensure(pseudonym: String, nowMs: Int64, in db: Database) throws -> Int64 {
        try db.execute(
            sql: "INSERT INTO users (pseudonym, created_ms, updated_ms) VALUES (?, ?, ?) ON CONFLICT (pseudonym) DO NOTHING",
            arguments: [pseudonym, nowMs, nowMs])
        return try Int64.fetchOne(db.cachedStatement(sql: "SELECT user_pk FROM users WHERE pseudonym = ?"), arguments: [pseudonym])!
    }
}
