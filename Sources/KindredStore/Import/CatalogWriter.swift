import GRDB

/// Merges catalog rows in memory: an empty cell leaves the value as it was, attributes are
/// merged key by key, the last row for an item wins. A catalog cut from an order log repeats
/// each product thousands of times, and one upsert per product instead of per row is what makes
/// such a file import in seconds. Needs no database, so a staged import merges before it
/// takes any lock.
struct CatalogMerge {
    private var merged: [String: ItemDraft] = [:]
    private var order: [String] = []

    mutating func add(_ draft: ItemDraft) {
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

    /// One draft per item, in the order the file first named them.
    var items: [ItemDraft] { order.map { merged[$0]! } }
}

/// Upserts merged catalog items into `items` inside the caller's transaction.
enum CatalogUpsert {
    struct Outcome {
        var added = 0
        var updated = 0
        /// Whether an item's category moved, which changes people's favourite categories.
        var categoriesChanged = false
    }

    static func apply(_ items: some Sequence<ItemDraft>, nowMs: Int64, in db: Database) throws -> Outcome {
        var outcome = Outcome()
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
        for item in items {
            let stored = try Row.fetchOne(lookup, arguments: [item.itemID])
            if stored?[0] == true { outcome.updated += 1 } else { outcome.added += 1 }
            if let category = item.category, category != stored?[1] as String? { outcome.categoriesChanged = true }
            try upsert.execute(arguments: [
                "id": item.itemID, "title": item.title, "category": item.category, "tags": item.tags, "price": item.price,
                "in_stock": item.inStock, "attributes": attributesJSON(item), "now": nowMs,
            ])
        }
        return outcome
    }

    static func attributesJSON(_ item: ItemDraft) -> String? {
        item.attributes.isEmpty ? nil : CatalogRowParser.json(item.attributes)
    }

    /// What every catalog import does last: serving reloads its catalog snapshot when
    /// `catalog.changed_ms` changes.
    static func markChanged(nowMs: Int64, in db: Database) throws {
        try SettingsStore.set("catalog.changed_ms", to: String(nowMs), in: db, nowMs: nowMs)
    }
}

/// A catalog import in one transaction: rows merged as they are read (`CatalogMerge`), then
/// upserted once per item when the import finishes.
final class CatalogWriter {
    private let db: Database
    private let nowMs: Int64
    private var merge = CatalogMerge()
    private(set) var counts = (added: 0, updated: 0)

    init(db: Database, nowMs: Int64) {
        self.db = db
        self.nowMs = nowMs
    }

    func write(_ draft: ItemDraft) {
        merge.add(draft)
    }

    func finish() throws {
        let items = merge.items
        guard !items.isEmpty else { return }
        let outcome = try CatalogUpsert.apply(items, nowMs: nowMs, in: db)
        counts = (outcome.added, outcome.updated)
        // Favourite categories depend on the items' categories: recount them when one moved.
        if outcome.categoriesChanged { try ProfileStore.refreshFavouriteCategories(of: nil, in: db) }
        try CatalogUpsert.markChanged(nowMs: nowMs, in: db)
    }
}
