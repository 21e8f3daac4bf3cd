import GRDB

/// One catalog item at a time, for the API's catalog upkeep.
public enum CatalogItemStore {
    /// Creates or updates one item as a one-row catalog import would; returns true when it was new.
    public static func upsert(_ draft: ItemDraft, in db: Database, nowMs: Int64) throws -> Bool {
        let writer = CatalogWriter(db: db, nowMs: nowMs)
        writer.write(draft)
        try writer.finish()
        return writer.counts.added == 1
    }

    public enum Removal: Sendable, Equatable {
        case notFound
        /// Nothing referred to it: the row is gone.
        case deleted
        /// Events or model versions refer to it: it stays as history (out of the catalog, out of
        /// stock) so that no event loses its item.
        case retired
    }

    /// Whether the item was taken out of the catalog (or never existed).
    public static func isRemoved(itemID: String, in db: Database) throws -> Bool {
        try Bool.fetchOne(db.cachedStatement(sql: "SELECT removed_ms IS NOT NULL FROM items WHERE item_id = ?"), arguments: [itemID])
            ?? true
    }

    /// Takes an item out of the catalog so that it is recommended no more.
    public static func remove(itemID: String, in db: Database, nowMs: Int64) throws -> Removal {
        guard
            let itemPK = try Int64.fetchOne(
                db.cachedStatement(sql: "SELECT item_pk FROM items WHERE item_id = ? AND removed_ms IS NULL"), arguments: [itemID])
        else {
            return .notFound
        }
        // No index reads events by item (migration 0005): the first query scans them, stopping at
        // the first reference, as does SQLite's foreign-key check when an unreferenced item is
        // deleted. Ingestion pays for such an index on every event; this call is made by hand.
        let referenced =
            try Bool.fetchOne(
                db.cachedStatement(
                    sql: """
                        SELECT EXISTS (SELECT 1 FROM events WHERE item_pk = ?1)
                            OR EXISTS (SELECT 1 FROM event_inbox WHERE item_pk = ?1)
                            OR EXISTS (SELECT 1 FROM model_item_vectors WHERE item_pk = ?1)
                        """), arguments: [itemPK]) ?? true
        let removal: Removal
        if referenced {
            try db.execute(
                sql: "UPDATE items SET removed_ms = ?1, in_stock = 0, updated_ms = ?1 WHERE item_pk = ?2", arguments: [nowMs, itemPK])
            removal = .retired
        } else {
            try db.execute(sql: "DELETE FROM items WHERE item_pk = ?", arguments: [itemPK])
            removal = .deleted
        }
        try SettingsStore.set("catalog.changed_ms", to: String(nowMs), in: db, nowMs: nowMs)
        return removal
    }
}
