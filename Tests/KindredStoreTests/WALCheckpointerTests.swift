import Foundation
import GRDB
import KindredTestSupport
import Testing

@testable import KindredStore

/// The WAL is copied beside the writer, not by it, and still starts again from its beginning.
@Suite struct WALCheckpointerTests {
    let directory = TemporaryDirectory()
    let database: KindredDatabase

    init() throws {
        database = try TestDatabase.create(in: directory)
    }

    /// Writes about `pages` pages of WAL in one transaction.
    func write(pages: Int, tag: String) throws {
        try database.writer.write { db in
            for n in 0..<pages {
                try db.execute(
                    sql: "INSERT INTO items (item_id, title, created_ms, updated_ms) VALUES (?, ?, 1, 1)",
                    arguments: ["\(tag)-\(n)", String(repeating: "x", count: 3_000)])
            }
        }
    }

    func autocheckpoint() throws -> Int? {
        try database.writer.writeWithoutTransaction { db in try Int.fetchOne(db, sql: "PRAGMA wal_autocheckpoint") }
    }

    @Test func theWriterStopsCheckpointingAndTheCheckpointerCopiesEverything() throws {
        let checkpointer = try WALCheckpointer(database: database)
        #expect(try autocheckpoint() == 0)
        try write(pages: 1_500, tag: "a")
        let progress = try checkpointer.checkpoint()
        #expect(progress.walPages >= 1_500, "the writer left the WAL alone past 1,000 pages")
        #expect(progress.copiedPages == progress.walPages)
        // Caught up: the writer finishes the little left, and the WAL starts again.
        try write(pages: 10, tag: "b")
        #expect(try checkpointer.finishCheckpoint())
        #expect(try !checkpointer.finishCheckpoint(), "once")
        try write(pages: 10, tag: "c")
        #expect(try checkpointer.checkpoint().walPages < 100)
        try checkpointer.close()
        #expect(try autocheckpoint() == 1_000)
    }

    @Test func afterALargeCommitTheWriterLeavesTheCopyingToTheCheckpointer() throws {
        let checkpointer = try WALCheckpointer(database: database)
        try write(pages: 10, tag: "a")
        try checkpointer.checkpoint()
        try write(pages: 1_500, tag: "b")
        checkpointer.largeCommitMade()
        #expect(try !checkpointer.finishCheckpoint())
        try checkpointer.close()
    }

    @Test func aWALPastTheLimitIsCopiedByTheWriterEvenWhenTheCheckpointerCannotCatchUp() throws {
        let checkpointer = try WALCheckpointer(database: database, walPagesLimit: 500)
        try write(pages: 10, tag: "a")
        // A reader holds a snapshot, so the checkpointer cannot copy what came after it.
        var config = Configuration()
        config.allowsUnsafeTransactions = true
        let reader = try DatabaseQueue(path: database.path, configuration: config)
        try reader.inDatabase { db in
            try db.execute(sql: "BEGIN")
            _ = try Int.fetchOne(db, sql: "SELECT count(*) FROM items")
        }
        try write(pages: 1_000, tag: "b")
        let held = try checkpointer.checkpoint()
        #expect(held.copiedPages < held.walPages)
        #expect(try checkpointer.finishCheckpoint(), "the safety valve opens")
        try reader.inDatabase { db in try db.execute(sql: "COMMIT") }
        try checkpointer.close()
    }
}
