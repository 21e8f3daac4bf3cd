import Crypto
import Foundation
import GRDB

/// One schema step. Migrations are append-only: once shipped, a migration's SQL never changes,
/// and the checksum recorded in the database proves it.
public struct Migration: Sendable, Equatable {
    public let version: Int
    public let name: String
    public let sql: String

    public init(version: Int, name: String, sql: String) {
        self.version = version
        self.name = name
        self.sql = sql
    }

    /// SHA-256 of the SQL with trailing white space removed from every line, so that the
    /// embedded copy and the file on disk agree regardless of how the literal was indented.
    public var checksum: String {
        let digest = SHA256.hash(data: Data(Self.normalized(sql).utf8))
        return digest.map { String(format: "%02x", $0) }.joined()
    }

    /// Whether the migration rebuilds a table that others reference, and so must run with
    /// foreign keys off (SQLite's table-rebuild procedure): its first line is
    /// `-- foreign_keys: off`. The migrator then checks every foreign key before committing.
    public var needsForeignKeysOff: Bool {
        Self.normalized(sql).hasPrefix("-- foreign_keys: off")
    }

    /// The canonical text used for checksums and for comparing the folder with the binary.
    public static func normalized(_ sql: String) -> String {
        sql.split(separator: "\n", omittingEmptySubsequences: false)
            .map { line in
                var line = Substring(line)
                while let last = line.last, last.isWhitespace { line.removeLast() }
                return String(line)
            }
            .joined(separator: "\n")
            .trimmingCharacters(in: .whitespacesAndNewlines)
    }
}

/// Applies migrations in order, each in its own transaction, and records them in
/// `schema_migrations`. Refuses databases that are newer than this binary or whose recorded
/// migrations differ from the ones it carries.
public struct Migrator: Sendable {
    public let migrations: [Migration]

    public init(migrations: [Migration] = Migration.embedded) {
        self.migrations = migrations.sorted { $0.version < $1.version }
    }

    /// The highest schema version this binary knows.
    public var latestVersion: Int { migrations.last?.version ?? 0 }

    /// Brings the database up to `latestVersion`; returns the versions it applied.
    @discardableResult
    public func migrate(_ writer: some DatabaseWriter, nowMs: Int64) throws -> [Int] {
        try writer.writeWithoutTransaction { db in
            try db.execute(
                sql: """
                    CREATE TABLE IF NOT EXISTS schema_migrations (
                        version    INTEGER PRIMARY KEY,
                        name       TEXT NOT NULL,
                        checksum   TEXT NOT NULL,
                        applied_ms INTEGER NOT NULL
                    ) STRICT
                    """)
            let applied = try Self.appliedMigrations(db)
            try check(applied: applied)
            var done: [Int] = []
            for migration in migrations where applied[migration.version] == nil {
                // The pragma is a no-op inside a transaction, so it goes around it.
                if migration.needsForeignKeysOff { try db.execute(sql: "PRAGMA foreign_keys = OFF") }
                defer { if migration.needsForeignKeysOff { try? db.execute(sql: "PRAGMA foreign_keys = ON") } }
                try db.inTransaction {
                    try db.execute(sql: migration.sql)
                    if migration.needsForeignKeysOff, let broken = try Row.fetchOne(db, sql: "PRAGMA foreign_key_check") {
                        throw StoreError.migrationBrokeForeignKeys(version: migration.version, table: broken[0] ?? "?")
                    }
                    try db.execute(
                        sql: "INSERT INTO schema_migrations (version, name, checksum, applied_ms) VALUES (?, ?, ?, ?)",
                        arguments: [migration.version, migration.name, migration.checksum, nowMs])
                    return .commit
                }
                done.append(migration.version)
            }
            return done
        }
    }

    /// The schema version a database is at, without changing it.
    public static func currentVersion(_ db: Database) throws -> Int {
        guard try db.tableExists("schema_migrations") else { return 0 }
        return try Int.fetchOne(db, sql: "SELECT max(version) FROM schema_migrations") ?? 0
    }

    private static func appliedMigrations(_ db: Database) throws -> [Int: (name: String, checksum: String)] {
        var result: [Int: (name: String, checksum: String)] = [:]
        for row in try Row.fetchAll(db, sql: "SELECT version, name, checksum FROM schema_migrations") {
            result[row["version"]] = (row["name"], row["checksum"])
        }
        return result
    }

    private func check(applied: [Int: (name: String, checksum: String)]) throws {
        if let newest = applied.keys.max(), newest > latestVersion {
            throw StoreError.schemaTooNew(databaseVersion: newest, binaryVersion: latestVersion)
        }
        for migration in migrations {
            if let recorded = applied[migration.version], recorded.checksum != migration.checksum {
                throw StoreError.migrationChanged(version: migration.version, name: recorded.name)
            }
        }
    }
}
