import GRDB

/// Derived parts of the pseudonymous user profiles.
public enum ProfileStore {
    /// Recomputes `users.favourite_categories` (the three categories a user interacted with
    /// most, impressions aside) for the given users, or for everyone when `userPKs` is nil.
    public static func refreshFavouriteCategories(of userPKs: [Int64]?, in db: Database) throws {
        let favourites = """
            coalesce((
                SELECT json_group_array(category) FROM (
                    SELECT i.category, count(*) AS n
                    FROM events AS e JOIN items AS i ON i.item_pk = e.item_pk
                    WHERE e.user_pk = users.user_pk AND i.category IS NOT NULL AND e.type <> 'impression'
                    GROUP BY i.category ORDER BY n DESC, i.category LIMIT 3)
            ), '[]')
            """
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
}
