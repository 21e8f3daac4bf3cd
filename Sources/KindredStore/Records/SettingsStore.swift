import GRDB

/// Reads and writes the `settings` table: configuration that belongs with the data.
public enum SettingsStore {
    public static func value(_ key: String, in db: Database) throws -> String? {
        try String.fetchOne(db.cachedStatement(sql: "SELECT value FROM settings WHERE key = ?"), arguments: [key])
    }

    public static func set(_ key: String, to value: String, in db: Database, nowMs: Int64) throws {
        try db.execute(
            sql: """
                INSERT INTO settings (key, value, updated_ms) VALUES (?, ?, ?)
                ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_ms = excluded.updated_ms
                """,
            arguments: [key, value, nowMs])
    }

    public static func all(in db: Database) throws -> [(key: String, value: String)] {
        try Row.fetchAll(db, sql: "SELECT key, value FROM settings ORDER BY key").map { ($0["key"], $0["value"]) }
    }
}
