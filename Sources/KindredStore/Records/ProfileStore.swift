import GRDB

/// Derived parts of the pseudonymous user profiles.
public enum ProfileStore {
    /// Every profile's pseudonym by key. Training reads this beside the events it learns from,
    /// and checks it again when it writes, so that a vector goes only to the very person it was
    /// learnt from: one erased meanwhile has no row, and a newcomer who was given an erased
    /// person's reused key has another pseudonym.
    public static func pseudonyms(in db: Database) throws -> [Int64: String] {
        var result: [Int64: String] = [:]
        let rows = try Row.fetchCursor(db, sql: "SELECT user_pk, pseudonym FROM users")
        while let row = try rows.next() { result[row[0]] = row[1] }
        return result
    }

    /// Recomputes `users.favourite_categories` (the three categories a user interacted with
    /// most, impressions aside) for the given users, or for everyone when `userPKs` is nil.
    public static func refreshFavouriteCategories(of userPKs: [Int64]?, in db: Database) throws {
        guard let userPKs else {
            try db.execute(sql: "UPDATE users SET favourite_categories = \(favourites)")
            return
        }
        try db.execute(sql: "CREATE TEMP TABLE IF NOT EXISTS touched_users (user_pk INTEGER PRIMARY KEY)")
        try db.execute(sql: "DELETE FROM temp.touched_users")
        let insert = try db.makeStatement(sql: "INSERT INTO temp.touched_users (user_pk) VALUES (?)")
        for pk in userPKs { try insert.execute(arguments: [pk]) }
        try db.execute(
            sql: "UPDATE users SET favourite_categories = \(favourites) WHERE user_pk IN (SELECT user_pk FROM temp.touched_users)")
        try db.execute(sql: "DELETE FROM temp.touched_users")
    }

    /// Every person's key, for recounting everyone's favourite categories in chunks.
    public static func userPKs(in db: Database) throws -> [Int64] {
        try Int64.fetchAll(db, sql: "SELECT user_pk FROM users ORDER BY user_pk")
    }

    /// The three categories a person interacted with most, as stored in `favourite_categories`.
    static let favourites = """
        coalesce((
            SELECT json_group_array(category) FROM (
                SELECT i.category, count(*) AS n
                FROM events AS e JOIN items AS i ON i.item_pk = e.item_pk
                WHERE e.user_pk = users.user_pk AND i.category IS NOT NULL AND e.type <> 'impression'
                GROUP BY i.category ORDER BY n DESC, i.category LIMIT 3)
        ), '[]')
        """

    /// Favourite categories counted on one connection, to be stored on another.
    public struct FavouriteCategories: Sendable, Equatable {
        public var userPK: Int64
        public var pseudonym: String
        public var json: String
    }

    /// Counts the favourite categories of `userPKs` without writing anything, so that the
    /// reading (each person's whole history) can run on a reader beside the server's writer.
    public static func countFavouriteCategories(of userPKs: [Int64], in db: Database) throws -> [FavouriteCategories] {
        let list = "[" + userPKs.map(String.init).joined(separator: ",") + "]"
        return try Row.fetchAll(
            db,
            sql: """
                SELECT user_pk, pseudonym, \(favourites) FROM users
                WHERE user_pk IN (SELECT value FROM json_each(?))
                """, arguments: [list]
        ).map { FavouriteCategories(userPK: $0[0], pseudonym: $0[1], json: $0[2]) }
    }

    /// Stores counts made by `countFavouriteCategories`. A person erased since (whose key
    /// another person may have been given by now) is matched by pseudonym too, and skipped.
    public static func store(_ counted: [FavouriteCategories], in db: Database) throws {
        let update = try FastStatement(
            "UPDATE users SET favourite_categories = ? WHERE user_pk = ? AND pseudonym = ? AND favourite_categories <> ?1", in: db)
        for person in counted {
            try update.run { row in
                row.bind(person.json)
                row.bind(person.userPK)
                row.bind(person.pseudonym)
            }
        }
    }
}
