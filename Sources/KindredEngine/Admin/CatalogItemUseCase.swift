import Foundation
import KindredStore

extension Engine {
    /// Creates or updates one catalog item from a JSON object with the catalog import's
    /// fields; returns true when the item is new. Serving picks the change up at once (the
    /// server reloads its catalog in the background).
    public func putItem(_ itemID: String, body: Data) throws -> Bool {
        if let problem = IdentifierRule.problem(itemID) {
            throw RequestProblem(.invalid, code: "invalid_field", message: "item id: \(problem)", field: "item_id")
        }
        let object = try Self.jsonObject(body)
        let draft: ItemDraft
        do {
            draft = try RequestRecords.item(object, itemID: itemID)
        } catch {
            throw RequestProblem(.invalid, code: "invalid_field", message: error.message, field: error.field)
        }
        return try database.writer.write { db in
            let now = clock.now()
            let created = try CatalogItemStore.upsert(draft, in: db, nowMs: now)
            try AuditLog.append(
                action: created ? "item_create" : "item_update", actor: actor, details: ["item_id": itemID], in: db, nowMs: now)
            return created
        }
    }

    /// Takes an item out of the catalog; it is recommended no more.
    public func removeItem(_ itemID: String) throws -> CatalogItemStore.Removal {
        try database.writer.write { db in
            let now = clock.now()
            let removal = try CatalogItemStore.remove(itemID: itemID, in: db, nowMs: now)
            guard removal != .notFound else {
                throw RequestProblem(.notFound, code: "unknown_item", message: "no item '\(itemID)' in the catalog", field: "item_id")
            }
            try AuditLog.append(
                action: "item_remove", actor: actor,
                details: ["item_id": itemID, "kept_as_history": removal == .retired], in: db, nowMs: now)
            return removal
        }
    }
}
