import Foundation
import GRDB

/// Everything the database holds about one person, found from the schema itself: every
/// column with a foreign key to `users`, in every table, so that a table added by a later
/// migration is covered without anyone remembering to list it here.
public enum PersonalData {
    public struct Reference: Sendable, Equatable {
        public var table: String
        public var column: String
    }

    /// The (table, column) pairs that refer to `users.user_pk`.
    public static func references(in db: Database) throws -> [Reference] {
        let tables = try String.fetchAll(
            db, sql: "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
        var references: [Reference] = []
        for table in tables {
            for row in try Row.fetchAll(db, sql: "SELECT \"table\", \"from\" FROM pragma_foreign_key_list(?)", arguments: [table]) {
                let target: String = row[0]
                if target == "users" { references.append(Reference(table: table, column: row[1])) }
            }
        }
        return references
    }

    /// Deletes every row about the person, then the person; returns rows deleted per table.
    /// Call inside a transaction, on a connection with secure_delete on (every Kindred
    /// connection), so that the deleted bytes are overwritten rather than left in free pages.
    public static func erase(userPK: Int64, in db: Database) throws -> [String: Int] {
        var deleted: [String: Int] = [:]
        for reference in try references(in: db) {
            try db.execute(
                sql: "DELETE FROM \(reference.table.quotedDatabaseIdentifier) WHERE \(reference.column.quotedDatabaseIdentifier) = ?",
                arguments: [userPK])
            if db.changesCount > 0 { deleted[reference.table, default: 0] += db.changesCount }
        }
        try db.execute(sql: "DELETE FROM users WHERE user_pk = ?", arguments: [userPK])
        deleted["users"] = db.changesCount
        return deleted
    }

    /// Every row about the person, table by table, as JSON-ready values (BLOBs as base64),
    /// with the shop's ids for the items the rows name.
    public static func export(userPK: Int64, in db: Database) throws -> [String: Any] {
        var tables: [String: Any] = [:]
        var itemPKs = Set<Int64>()
        func rows(_ sql: String) throws -> [[String: Any]] {
            try Row.fetchAll(db, sql: sql, arguments: [userPK]).map { row in
                var object: [String: Any] = [:]
                for (column, value) in row {
                    object[column] = json(value.storage)
                    if column.hasSuffix("item_pk"), case .int64(let pk) = value.storage { itemPKs.insert(pk) }
                }
                return object
            }
        }
        tables["users"] = try rows("SELECT * FROM users WHERE user_pk = ?")
        for reference in try references(in: db) {
            let found = try rows(
                "SELECT * FROM \(reference.table.quotedDatabaseIdentifier) WHERE \(reference.column.quotedDatabaseIdentifier) = ?")
            var existing = tables[reference.table] as? [[String: Any]] ?? []
            existing += found
            tables[reference.table] = existing
        }
        var items: [String: String] = [:]
        for pk in itemPKs {
            if let id = try String.fetchOne(db, sql: "SELECT item_id FROM items WHERE item_pk = ?", arguments: [pk]) {
                items[String(pk)] = id
            }
        }
        return ["tables": tables, "item_ids": items]
    }

    private static func json(_ storage: DatabaseValue.Storage) -> Any {
        switch storage {
        case .null: return NSNull()
        case .int64(let value): return value
        case .double(let value): return value
        case .string(let value): return value
        case .blob(let data): return data.base64EncodedString()
        }
    }
}
