import GRDB

/// Small reads the recommendation query makes.
public enum ServingQueries {
    public static func userPK(pseudonym: String, in db: Database) throws -> Int64? {
        try Int64.fetchOne(db, sql: "SELECT user_pk FROM users WHERE pseudonym = ?", arguments: [pseudonym])
    }

    /// Item keys by the shop's item ids (unknown ids are left out).
    public static func itemPKs(itemIDs: [String], in db: Database) throws -> [String: Int64] {
        var result: [String: Int64] = [:]
        for id in itemIDs {
            if let pk = try Int64.fetchOne(db, sql: "SELECT item_pk FROM items WHERE item_id = ?", arguments: [id]) { result[id] = pk }
        }
        return result
    }

    /// Profiles with at least one event, for sampling in latency checks.
    public static func usersWithEvents(limit: Int, in db: Database) throws -> [Int64] {
        try Int64.fetchAll(db, sql: "SELECT user_pk FROM users WHERE events > 0 ORDER BY user_pk LIMIT ?", arguments: [limit])
    }
}
