import GRDB

/// Whether SQLite checks a write transaction's rows against their foreign keys.
public enum ForeignKeyChecks: Sendable {
    case enforced
    /// Not checked, for rows whose references are known to hold: filing the server's inbox into
    /// `events` (its people and items were resolved in the transaction that wrote the inbox row,
    /// and erasure takes a person's inbox rows with them; types and devices were parsed), where
    /// the checks were a quarter of the cost of filing; appending events to the inbox, in the
    /// transaction that resolves their people; and importing a file of events, likewise.
    case trusted
}

extension DatabaseWriter {
    /// A write transaction with foreign-key checks as asked. SQLite only switches enforcement
    /// outside a transaction, so `trusted` switches it off before and always back on after.
    public func write<T>(checking foreignKeys: ForeignKeyChecks, _ body: (Database) throws -> T) throws -> T {
        switch foreignKeys {
        case .enforced:
            return try write { db in try body(db) }
        case .trusted:
            return try writeWithoutTransaction { db in
                try db.execute(sql: "PRAGMA foreign_keys = OFF")
                defer { try? db.execute(sql: "PRAGMA foreign_keys = ON") }
                var result: T?
                try db.inTransaction {
                    result = try body(db)
                    return .commit
                }
                return result!
            }
        }
    }
}
