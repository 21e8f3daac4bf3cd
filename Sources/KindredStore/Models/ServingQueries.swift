import GRDB

/// Small reads the recommendation query makes.
public enum ServingQueries {
    public static func userPK(pseudonym: String, in db: Database) throws -> Int64? {
        try Int64.fetchOne(db, sql: "SELECT user_pk FROM users WHERE pseudonym = ?", arguments: [pseudonym])
    }

    /// Per country, the items most people there interacted with (views and stronger), best
    /// first: "popular in your country" for people the models do not know.
    public static func popularByCountry(limit: Int, in db: Database) throws -> [String: [Int64]] {
        var result: [String: [Int64]] = [:]
        let rows = try Row.fetchCursor(
            db,
            sql: """
                SELECT country, item_pk, count(DISTINCT coalesce(user_pk, -event_pk)) AS people
                FROM events
                WHERE country IS NOT NULL AND item_pk IS NOT NULL
                  AND type IN ('view', 'click', 'add_to_cart', 'purchase', 'rating')
                GROUP BY country, item_pk
                ORDER BY country, people DESC, item_pk
                """)
        while let row = try rows.next() {
            let country: String = row[0]
            if result[country, default: []].count < limit { result[country, default: []].append(row[1]) }
        }
        return result
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
