import GRDB

/// The most interacted-with items straight from the events, for a shop with no model yet.
public enum PopularItems {
    public struct Item: Sendable {
        public var itemID: String
        public var title: String?
        public var category: String?
        public var price: Double?
        public var people: Int
    }

    /// The most interacted-with items, leaving out what `userPK`'s "not interested" covers.
    public static func top(limit: Int, inStockOnly: Bool, excludingPreferencesOf userPK: Int64? = nil, in db: Database) throws -> [Item] {
        try Row.fetchAll(
            db,
            sql: """
                SELECT i.item_id, i.title, i.category, i.price, count(DISTINCT coalesce(e.user_pk, -e.event_pk)) AS people
                FROM events AS e JOIN items AS i USING (item_pk)
                WHERE e.type IN ('view', 'click', 'add_to_cart', 'purchase') AND (? = 0 OR i.in_stock = 1)
                    AND e.item_pk NOT IN (\(PreferenceStore.notInterestedItemsOfOne))
                GROUP BY e.item_pk ORDER BY people DESC, i.item_id LIMIT ?
                """, arguments: [inStockOnly ? 1 : 0, userPK ?? 0, limit]
        ).map { Item(itemID: $0[0], title: $0[1], category: $0[2], price: $0[3], people: $0[4]) }
    }
}
