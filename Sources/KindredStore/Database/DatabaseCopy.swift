import Foundation
import GRDB

/// Consistent copies of a database file, for `kindred backup` and `kindred restore`.
public enum DatabaseCopy {
    /// What a copy holds, read without changing it.
    public struct Facts: Sendable, Codable, Equatable {
        /// `PRAGMA integrity_check`'s verdict: "ok", or its first complaint.
        public var integrity: String
        public var schemaVersion: Int
        /// The pseudonymization key's fingerprint recorded in the copy's settings.
        public var keyCheck: String?
        public var events: Int
        public var eventsWaiting: Int
        public var users: Int
        public var bytes: Int
    }

    /// Writes the database as it is at one moment to `destination` (`VACUUM INTO` on a
    /// read-only connection of its own: one read snapshot, compacted, while writers carry on in
    /// WAL mode). The destination must not exist.
    public static func write(databaseAt path: String, to destination: String) throws {
        var configuration = Configuration()
        configuration.readonly = true
        configuration.busyMode = .timeout(10)
        let source = try DatabaseQueue(path: path, configuration: configuration)
        try source.inDatabase { db in try db.execute(sql: "VACUUM INTO ?", arguments: [destination]) }
        try source.close()
    }

    /// Opens a copy read-only and reports what it is; throws `notAKindredDatabase` when it is
    /// not a Kindred database at all (or not SQLite).
    public static func inspect(_ path: String) throws -> Facts {
        var configuration = Configuration()
        configuration.readonly = true
        let bytes = ((try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? NSNumber)?.intValue ?? 0
        do {
            let copy = try DatabaseQueue(path: path, configuration: configuration)
            defer { try? copy.close() }
            return try copy.read { db in
                guard try db.tableExists("schema_migrations"), try db.tableExists("settings") else {
                    throw StoreError.notAKindredDatabase(path: path)
                }
                let integrity = try String.fetchAll(db, sql: "PRAGMA integrity_check").first ?? "no answer"
                return Facts(
                    integrity: integrity, schemaVersion: try Migrator.currentVersion(db),
                    keyCheck: try SettingsStore.value("pseudonym_key_check", in: db),
                    events: try Int.fetchOne(db, sql: "SELECT count(*) FROM events") ?? 0,
                    eventsWaiting: try db.tableExists("event_inbox") ? try Int.fetchOne(db, sql: "SELECT count(*) FROM event_inbox") ?? 0 : 0,
                    users: try Int.fetchOne(db, sql: "SELECT count(*) FROM users") ?? 0, bytes: bytes)
            }
        } catch let error as StoreError {
            throw error
        } catch let error as DatabaseError where error.resultCode == .SQLITE_NOTADB || error.resultCode == .SQLITE_CORRUPT {
            throw DataError(file: path, message: "not a readable SQLite database (\(error.message ?? "\(error.resultCode)"))")
        }
    }
}
