import GRDB

/// Small reads the recommendation query makes.
public enum ServingQueries {
    public static func userPK(pseudonym: String, in db: Database) throws -> Int64? {
        try Int64.fetchOne(db.cachedStatement(sql: "SELECT user_pk FROM users WHERE pseudonym = ?"), arguments: [pseudonym])
    }

    /// Profiles with at least one event, for sampling in latency checks.
    public static func usersWithEvents(limit: Int, in db: Database) throws -> [Int64] {
        try Int64.fetchAll(db, sql: "SELECT user_pk FROM users WHERE events > 0 ORDER BY user_pk LIMIT ?", arguments: [limit])
    }
}
