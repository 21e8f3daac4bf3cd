import Foundation
import KindredStore

/// What `kindred backup` made.
public struct BackupReport: Sendable, Codable {
    public var file: String
    public var copy: DatabaseCopy.Facts
    public var seconds: Double
}

/// What `kindred restore` did.
public struct RestoreReport: Sendable, Codable {
    public var restoredFrom: String
    public var database: String
    /// Where the database that was replaced now is (with its WAL), nil when there was none.
    public var previousKeptAt: String?
    public var copy: DatabaseCopy.Facts
}

extension Engine {
    /// A consistent copy of the database at one moment, made while the server (or anything
    /// else) keeps writing, then checked with `integrity_check`. The key file is not copied:
    /// keep it out of the database's backups (README). Audited in the live database.
    public func backup(to destination: String) throws -> BackupReport {
        let started = WallClock.monotonicSeconds()
        let files = FileManager.default
        guard !files.fileExists(atPath: destination) else {
            throw DataError(file: destination, message: "already exists; a backup never overwrites a file (name a new one)")
        }
        let folder = (destination as NSString).deletingLastPathComponent
        var isDirectory: ObjCBool = false
        guard files.fileExists(atPath: folder.isEmpty ? "." : folder, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw DataError(file: destination, message: "the folder \(folder) does not exist")
        }
        try DatabaseCopy.write(databaseAt: database.path, to: destination)
        let facts = try DatabaseCopy.inspect(destination)
        guard facts.integrity == "ok" else {
            try? files.removeItem(atPath: destination)
            throw DataError(file: destination, message: "the copy failed its integrity check (\(facts.integrity)); nothing was kept")
        }
        let seconds = WallClock.monotonicSeconds() - started
        try database.writer.write { db in
            try AuditLog.append(
                action: "backup", actor: actor,
                details: ["file": destination, "bytes": facts.bytes, "events": facts.events + facts.eventsWaiting, "schema_version": facts.schemaVersion],
                in: db, nowMs: clock.now())
        }
        return BackupReport(file: destination, copy: facts, seconds: (seconds * 1000).rounded() / 1000)
    }

    /// Replaces the database at `location` by a backup, after checking, before anything is
    /// touched, that the copy is an intact Kindred database of a schema this binary knows,
    /// made under the key file at `location` (pseudonyms would not match otherwise), and that
    /// no server has the database open. The replaced database is kept beside it, with its WAL.
    public static func restore(from source: String, to location: DatabaseLocation, clock: WallClock = .system) throws -> RestoreReport {
        let files = FileManager.default
        var isDirectory: ObjCBool = false
        guard files.fileExists(atPath: source, isDirectory: &isDirectory), !isDirectory.boolValue else {
            throw DataError(file: source, message: "no such backup file")
        }
        let facts = try DatabaseCopy.inspect(source)
        guard facts.integrity == "ok" else {
            throw DataError(file: source, message: "the backup fails its integrity check (\(facts.integrity)); nothing was replaced")
        }
        let known = Migrator().latestVersion
        guard facts.schemaVersion <= known else {
            throw StoreError.schemaTooNew(databaseVersion: facts.schemaVersion, binaryVersion: known)
        }
        let key = Pseudonymizer(keyBytes: try PseudonymKeyFile.read(at: location.keyPath))
        guard facts.keyCheck == key.keyCheck else {
            throw DataError(
                file: source,
                message: "the backup was made under another pseudonymization key than \(location.keyPath); nothing was replaced (restore it with its own key file, named by KINDRED_KEY_FILE)")
        }
        // Held until the restored file is in place: no server may start on it meanwhile.
        let lock = try ServingLock.acquire(for: location.databasePath)
        defer { lock.release() }
        let target = location.databasePath
        let staging = target + ".restoring-\(UUID().uuidString)"
        try files.copyItem(atPath: source, toPath: staging)
        var kept: String?
        if files.fileExists(atPath: target) {
            let previous = target + ".before-restore-\(clock.now())"
            // A database and its WAL and shared memory files belong together by name.
            for suffix in ["-wal", "-shm", ""] where files.fileExists(atPath: target + suffix) {
                try files.moveItem(atPath: target + suffix, toPath: previous + suffix)
            }
            kept = previous
        }
        try files.moveItem(atPath: staging, toPath: target)
        let engine = try Engine.open(at: location, clock: clock, actor: "cli")
        try engine.database.writer.write { db in
            try AuditLog.append(
                action: "restore", actor: "cli", details: ["from": source, "previous_kept_at": kept ?? "none"], in: db, nowMs: clock.now())
        }
        return RestoreReport(restoredFrom: source, database: target, previousKeptAt: kept, copy: facts)
    }
}
