import GRDB
import KindredStore

/// Every row of every table, as text: two snapshots are equal exactly when the database's
/// content is the same, which is how tests prove that a refused import changed nothing.
public enum DatabaseSnapshot {
    public static func take(_ database: KindredDatabase) throws -> [String: [String]] {
        try database.writer.read { db in
            var tables: [String: [String]] = [:]
            let names = try String.fetchAll(
                db, sql: "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
            for name in names {
                tables[name] = try Row.fetchAll(db, sql: "SELECT * FROM \"\(name)\"").map { $0.description }
            }
            return tables
        }
    }

    public static func count(_ table: String, in database: KindredDatabase, where condition: String = "1") throws -> Int {
        try database.writer.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM \(table) WHERE \(condition)") ?? 0 }
    }
}

/// Creates a database in a temporary directory with a fixed clock time.
public enum TestDatabase {
    public static let fixedNowMs: Int64 = 1_795_000_000_000  // 2026-11-18T...

    public static func create(in directory: TemporaryDirectory, access: KindredDatabase.Access = .pool) throws -> KindredDatabase {
        try KindredDatabase.create(
            at: directory.file("test.sqlite"), keyPath: directory.file("test.sqlite.key"), access: access, nowMs: fixedNowMs
        ).database
    }
}

extension String {
    /// The first column of every row of a query, for assertions.
    public static func fetchAllForTests(_ db: StoreConnection, _ sql: String) throws -> [String] {
        try String.fetchAll(db, sql: sql)
    }
}

extension DatabaseSnapshot {
    /// The first column of every row `sql` returns, as text.
    public static func strings(_ sql: String, in database: KindredDatabase) throws -> [String] {
        try database.writer.read { db in try String.fetchAllForTests(db, sql) }
    }
}
