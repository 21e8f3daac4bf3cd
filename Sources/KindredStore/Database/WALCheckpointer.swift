import GRDB
import Synchronization

/// Copies the write-ahead log into the database file from a connection of its own, so that the
/// server's one writer does not.
///
/// Left to SQLite, a checkpoint runs inside whichever commit took the WAL past 1,000 pages:
/// under load that was the writer's, which spent a ninth of its time copying pages while
/// requests waited for it. With a checkpointer the writer connection stops checkpointing
/// (`wal_autocheckpoint = 0`), and `checkpoint()`, called from another thread, copies what it
/// can without waiting for anyone (PASSIVE) while the writer goes on appending.
///
/// The WAL starts again from its beginning only when every page in it has been copied when a
/// write transaction begins, which a checkpointer running beside a busy writer never quite
/// achieves. So the writer finishes the job (`finishCheckpoint`) at moments when little is
/// left: after the checkpointer found itself caught up, or, as a safety valve, whenever the WAL
/// has grown past `walPagesLimit` regardless.
public final class WALCheckpointer: Sendable {
    private let connection: DatabaseQueue
    private let writer: any DatabaseWriter
    private let caughtUp = Atomic<Bool>(false)
    private let walPages = Atomic<Int>(0)
    /// Beyond this many WAL pages, the writer checkpoints whether or not it is cheap.
    private let walPagesLimit: Int

    /// What one checkpoint found and did, in pages (WAL frames).
    public struct Progress: Sendable, Equatable {
        public var walPages: Int
        public var copiedPages: Int
    }

    /// `walPagesLimit`: 262,144 pages of 4 KiB is 1 GiB.
    public init(database: KindredDatabase, walPagesLimit: Int = 262_144) throws {
        self.walPagesLimit = walPagesLimit
        connection = try DatabaseQueue(path: database.path, configuration: KindredDatabase.configuration())
        writer = database.writer
        try writer.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA wal_autocheckpoint = 0") }
    }

    /// Copies the pages no reader still needs from the WAL into the file; call from any thread
    /// but the writer's.
    @discardableResult
    public func checkpoint() throws -> Progress {
        let progress = try connection.writeWithoutTransaction { db in try Self.passive(db) }
        walPages.store(progress.walPages, ordering: .relaxed)
        caughtUp.store(progress.walPages > 0 && progress.copiedPages == progress.walPages, ordering: .relaxed)
        return progress
    }

    /// On the writer's thread between its transactions: if the checkpointer caught up (or the
    /// WAL grew too long), copies the little that was written since, on the writer connection,
    /// so that the next write transaction starts the WAL again. Returns whether it ran.
    @discardableResult
    public func finishCheckpoint() throws -> Bool {
        guard caughtUp.exchange(false, ordering: .relaxed) || walPages.load(ordering: .relaxed) > walPagesLimit else {
            return false
        }
        let progress = try writer.writeWithoutTransaction { db in try Self.passive(db) }
        walPages.store(progress.walPages, ordering: .relaxed)
        return true
    }

    /// On the writer's thread after a large commit (a filing): whatever the checkpointer found
    /// before it, much is left to copy now, and that is the checkpointer's job.
    public func largeCommitMade() {
        caughtUp.store(false, ordering: .relaxed)
    }

    /// The writer checkpoints for itself again (SQLite's default of 1,000 pages), and what the
    /// WAL holds is copied now.
    public func close() throws {
        try writer.writeWithoutTransaction { db in
            try db.execute(sql: "PRAGMA wal_autocheckpoint = 1000")
            _ = try Self.passive(db)
        }
        try connection.close()
    }

    private static func passive(_ db: Database) throws -> Progress {
        let row = try Row.fetchOne(db, sql: "PRAGMA wal_checkpoint(PASSIVE)")
        return Progress(walPages: max(0, row?[1] ?? 0), copiedPages: max(0, row?[2] ?? 0))
    }
}
