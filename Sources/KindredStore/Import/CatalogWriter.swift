import GRDB

/// Upserts catalog rows inside the caller's transaction. An empty cell leaves the stored value
/// as it was; attributes are merged key by key; the last row for an item wins.
///
/// Rows are merged in memory and written once per item when the import finishes: a catalog cut
/// from an order log repeats each product thousands of times, and one upsert per product
/// instead of per row is what makes such a file import in seconds.
final class CatalogWriter {
    private let db: Database
    private let nowMs: Int64
    private var merged: [String: ItemDraft] = [:]
    private var order: [String] = []
    private(set) var counts = (added: 0, updated: 0)
    private var categoriesChanged = false

    init(db: Database, nowMs: Int64) {
        self.db = db
        self.nowMs = nowMs
    }

    func write(_ draft: ItemDraft) {
        guard var item = merged[draft.itemID] else {
            merged[draft.itemID] = draft
            order.append(draft.itemID)
            return
        }
        item.title = draft.title ?? item.title
        item.category = draft.category ?? item.category
        item.tags = draft.tags ?? item.tags
        item.price = draft.price ?? item.price
        item.inStock = draft.inStock ?? item.inStock
        item.attributes.merge(draft.attributes) { _, new in new }
        merged[draft.itemID] = item
    }

    func finish() throws {
        guard !order.isEmpty else { return }
        let lookup = try db.makeStatement(sql: "SELECT catalog_ms IS NOT NULL, category FROM items WHERE item_id = ?")
        let upsert = try db.makeStatement(
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
                    removed_ms = NULL,
                    updated_ms = :now
                """)
        for itemID in order {
            let item = merged[itemID]!
            let stored = try Row.fetchOne(lookup, arguments: [itemID])
            if stored?[0] == true { counts.updated += 1 } else { counts.added += 1 }
            if let category = item.category, category != stored?[1] as String? { categoriesChanged = true }
            try upsert.execute(arguments: [
                "id": itemID, "title": item.title, "category": item.category, "tags": item.tags, "price": item.price,
                "in_stock": item.inStock,
                "attributes": item.attributes.isEmpty ? nil : CatalogRowParser.json(item.attributes),
                "now": nowMs,
            ])
        }
        // Favourite categories depend on the items' categories: recount them when one moved.
        if categoriesChanged { try ProfileStore.refreshFavouriteCategories(of: nil, in: db) }
        // Serving reloads its catalog snapshot when this changes.
        try SettingsStore.set("catalog.changed_ms", to: String(nowMs), in: db, nowMs: nowMs)
    }
}
