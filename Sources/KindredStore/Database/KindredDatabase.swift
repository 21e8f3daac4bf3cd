import Foundation
import GRDB

/// An open Kindred database: the SQLite file (WAL, foreign keys, busy timeout,
/// synchronous=NORMAL, secure_delete) together with the pseudonymizer built from its key file.
public final class KindredDatabase: Sendable {
    public let path: String
    public let keyPath: String
    public let writer: any DatabaseWriter
    public let pseudonymizer: Pseudonymizer

    /// How the file is opened: a pool (one writer, concurrent readers) for the server and CLI,
    /// a queue (one connection) where a single serialized connection is simpler.
    public enum Access: Sendable { case pool, queue }

    private init(path: String, keyPath: String, writer: any DatabaseWriter, pseudonymizer: Pseudonymizer) {
        self.path = path
        self.keyPath = keyPath
        self.writer = writer
        self.pseudonymizer = pseudonymizer
    }

    /// Creates a new database and, unless one exists already, a new key file beside it.
    /// Returns whether a new key was written.
    public static func create(
        at path: String, keyPath: String, access: Access = .pool, nowMs: Int64
    ) throws -> (database: KindredDatabase, createdKey: Bool) {
        if FileManager.default.fileExists(atPath: path) { throw StoreError.databaseExists(path: path) }
        let keyExisted = FileManager.default.fileExists(atPath: keyPath)
        let key = keyExisted ? try PseudonymKeyFile.read(at: keyPath) : try PseudonymKeyFile.create(at: keyPath)
        let pseudonymizer = Pseudonymizer(keyBytes: key)
        let writer = try connect(path: path, access: access)
        try Migrator().migrate(writer, nowMs: nowMs)
        try writer.write { db in
            try SettingsStore.set("pseudonym_key_check", to: pseudonymizer.keyCheck, in: db, nowMs: nowMs)
            try SettingsStore.set("created_ms", to: String(nowMs), in: db, nowMs: nowMs)
        }
        let database = KindredDatabase(path: path, keyPath: keyPath, writer: writer, pseudonymizer: pseudonymizer)
        return (database, !keyExisted)
    }

    /// Opens an existing database, applies pending migrations and checks that the key file is
    /// the one the database was created with.
    public static func open(
        at path: String, keyPath: String, access: Access = .pool, nowMs: Int64
    ) throws -> KindredDatabase {
        guard FileManager.default.fileExists(atPath: path) else { throw StoreError.databaseMissing(path: path) }
        let writer = try connect(path: path, access: access)
        let isKindred = try writer.read { db in
            try db.tableExists("schema_migrations")
                || (try Int.fetchOne(db, sql: "SELECT count(*) FROM sqlite_schema WHERE type = 'table'") ?? 0) == 0
        }
        guard isKindred else { throw StoreError.notAKindredDatabase(path: path) }
        try Migrator().migrate(writer, nowMs: nowMs)
        let pseudonymizer = Pseudonymizer(keyBytes: try PseudonymKeyFile.read(at: keyPath))
        let recorded = try writer.read { db in try SettingsStore.value("pseudonym_key_check", in: db) }
        if let recorded, recorded != pseudonymizer.keyCheck { throw StoreError.keyMismatch(path: keyPath) }
        return KindredDatabase(path: path, keyPath: keyPath, writer: writer, pseudonymizer: pseudonymizer)
    }

    /// Reads one setting without migrating or checking the key: for deciding what a file is
    /// (the demo replaces only its own database) even when this binary could not open it.
    public static func peekSetting(_ key: String, at path: String) -> String? {
        var config = Configuration()
        config.readonly = true
        guard let queue = try? DatabaseQueue(path: path, configuration: config) else { return nil }
        return try? queue.read { db in
            try db.tableExists("settings") ? try SettingsStore.value(key, in: db) : nil
        }
    }

    /// The connection settings every Kindred connection shares.
    static func configuration() -> Configuration {
        var config = Configuration()
        config.foreignKeysEnabled = true
        config.busyMode = .callback(busyWait)
        config.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
            // Deleted content is overwritten, not left in free pages: erasing a person must
            // leave no trace of them in the file.
            try db.execute(sql: "PRAGMA secure_delete = ON")
            // 64 MiB of page cache per connection (the default is 2 MiB): imports and training
            // touch the event indexes all over, and re-reading pages from the OS dominated.
            try db.execute(sql: "PRAGMA cache_size = -65536")
            try db.execute(sql: "PRAGMA temp_store = MEMORY")
        }
        return config
    }

    /// How a connection waits for a lock another holds: a try every millisecond, for ten
    /// seconds. SQLite's own timeout sleeps ever longer between tries (up to 100 ms), so a
    /// writer that lets go of the lock for a moment between short transactions (an import
    /// beside the server, see `ImportStaging`) would seldom be caught in that moment, and the
    /// server's writer would wait out the whole import. The ten seconds are measured on the
    /// clock, not counted in tries: on a loaded machine a millisecond's sleep lasts longer.
    static let busyWait: Database.BusyCallback = { tries in
        let now = ProcessInfo.processInfo.systemUptime
        let thread = Thread.current.threadDictionary
        if tries == 0 { thread[busyWaitStartKey] = now }
        let since = thread[busyWaitStartKey] as? Double ?? now
        guard now - since < busyWaitSeconds else { return false }
        usleep(1000)
        return true
    }
    static let busyWaitSeconds = 10.0
    private static let busyWaitStartKey = "kindred.busy-wait.started"

    private static func connect(path: String, access: Access) throws -> any DatabaseWriter {
        do {
            switch access {
            case .pool:
                return try DatabasePool(path: path, configuration: configuration())
            case .queue:
                let queue = try DatabaseQueue(path: path, configuration: configuration())
                try queue.writeWithoutTransaction { db in
                    _ = try String.fetchOne(db, sql: "PRAGMA journal_mode = WAL")
                }
                return queue
            }
        } catch let error as DatabaseError {
            throw StoreError.wrap(error)
        }
    }

    /// Makes every commit reach the disk before it returns (synchronous=FULL on the writer
    /// connection). NORMAL, the default, already survives a crash of the process; FULL also
    /// survives a power cut, which the server wants before it acknowledges an event.
    public func requireDurableCommits() throws {
        try writer.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA synchronous = FULL") }
    }

    /// Flushes the WAL into the main file, so that the file alone holds everything.
    public func checkpoint() throws {
        try writer.writeWithoutTransaction { db in
            _ = try Row.fetchOne(db, sql: "PRAGMA wal_checkpoint(TRUNCATE)")
        }
    }
}
