import GRDB

/// Upserts catalog rows inside the caller's transaction. An empty cell leaves the stored value
/// as it was; attributes are merged key by key; the last row for an item wins.
final class CatalogWriter {
    private let db: Database
    private let nowMs: Int64
    private let upsert: Statement
    private let lookup: Statement
    /// Items seen in this import, with whether they were already in the catalog before it.
    private var seen: [String: Bool] = [:]

    init(db: Database, nowMs: Int64) throws {
        self.db = db
        self.nowMs = nowMs
        upsert = try db.makeStatement(
            sql: """
                INSERT INTO items (item_id, title, category, tags, price, in_stock, attributes, catalog_ms, created_ms, updated_ms)
                VALUES (:id, :title, :category, coalesce(:tags, '[]'), :price, coalesce(:in_stock, 1),
                        coalesce(:attributes, '{}'), :now, :now, :now)
                ON CONFLICT (item_id) DO UPDATE SET
                    title = coalesce(:title, title),
                    category = coalesce(:category, category),
                    tags = coalesce(:tags, tags),
                    price = coalesce(:price, price),
                    in_stock = coalesce(:in_stock, in_stock),
                    attributes = CASE WHEN :attributes IS NULL THEN attributes ELSE json_patch(attributes, :attributes) END,
                    catalog_ms = :now,
                    updated_ms = :now
                """)
        lookup = try db.makeStatement(sql: "SELECT catalog_ms IS NOT NULL FROM items WHERE item_id = ?")
    }

    func write(_ draft: ItemDraft) throws {
        if seen[draft.itemID] == nil {
            seen[draft.itemID] = try Bool.fetchOne(lookup, arguments: [draft.itemID]) ?? false
        }
        try upsert.execute(arguments: [
            "id": draft.itemID, "title": draft.title, "category": draft.category, "tags": draft.tags,
            "price": draft.price, "in_stock": draft.inStock, "attributes": draft.attributes, "now": nowMs,
        ])
    }

    /// Items added to the catalog by this import, and items it updated.
    var counts: (added: Int, updated: Int) {
        let updated = seen.values.filter { $0 }.count
        return (seen.count - updated, updated)
    }

    func finish() throws {
        // Categories may have changed: favourite categories depend on them.
        if !seen.isEmpty { try ProfileStore.refreshFavouriteCategories(of: nil, in: db) }
    }
}
