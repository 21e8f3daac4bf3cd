import Foundation
import GRDB
import KindredEngine
import KindredTestSupport
import Testing

@testable import KindredStore

/// The event writer under a lock another program holds: its queue is bounded, what it refuses
/// is not stored, and everything it acknowledged is.
@Suite struct WriterBackPressureTests {
    let directory = TemporaryDirectory()
    let database: KindredDatabase

    init() throws {
        database = try TestDatabase.create(in: directory)
    }

    func drafts(_ prefix: String, count: Int) -> [EventDraft] {
        TestEvents.views(prefix, count: count, people: 7, items: 50, pseudonymizer: database.pseudonymizer)
    }

    /// Another connection (as `sqlite3` would) holding the write lock until `release`.
    final class LockHolder: @unchecked Sendable {
        let queue: DatabaseQueue
        init(path: String) throws {
            var configuration = Configuration()
            configuration.allowsUnsafeTransactions = true  // the lock outlives one access, as in `sqlite3`
            configuration.busyMode = .timeout(10)
            queue = try DatabaseQueue(path: path, configuration: configuration)
            try queue.writeWithoutTransaction { db in try db.execute(sql: "BEGIN IMMEDIATE") }
        }
        func release() throws {
            try queue.writeWithoutTransaction { db in try db.execute(sql: "COMMIT") }
        }
    }

    @Test func aFloodAgainstAStalledWriterIsRefusedAtOnceAndNothingAcknowledgedIsLost() async throws {
        let writer = GroupCommitWriter(database: database, clock: .system, limits: .init(events: 500, bytes: 1 << 30))
        try writer.start()
        let lock = try LockHolder(path: database.path)
        let started = Date()
        var releasedAt = Double.infinity
        // 40 batches of 100 while the lock is held: the writer can take at most 500 waiting.
        let outcomes = try await withThrowingTaskGroup(of: (Int, Result<Int, any Error>, Double).self) { group in
            for batch in 0..<40 {
                group.addTask {
                    do {
                        let outcome = try await writer.write(drafts("b\(batch)", count: 100), bytes: 1000)
                        return (batch, .success(outcome.stored), Date().timeIntervalSince(started))
                    } catch {
                        return (batch, .failure(error), Date().timeIntervalSince(started))
                    }
                }
            }
            // Let the flood arrive, watch the queue stay bounded, then let the lock go.
            var largestQueue = 0
            for _ in 0..<30 {
                try await Task.sleep(for: .milliseconds(50))
                largestQueue = max(largestQueue, writer.statistics.queuedEvents)
            }
            #expect(largestQueue <= 500, "the queue held \(largestQueue) events")
            releasedAt = Date().timeIntervalSince(started)
            try lock.release()
            var all: [(Int, Result<Int, any Error>, Double)] = []
            for try await outcome in group { all.append(outcome) }
            return all
        }
        let refused = outcomes.filter { if case .failure = $0.1 { return true } else { return false } }
        let acknowledged = outcomes.compactMap { if case .success(let stored) = $0.1 { return ($0.0, stored) } else { return nil } }
        #expect(refused.count >= 35, "\(refused.count) of 40 batches refused")
        let released = releasedAt
        #expect(refused.allSatisfy { $0.1.failureIsBusy && $0.2 < released }, "a full queue refuses at once (before the lock goes), as Busy")
        #expect(acknowledged.allSatisfy { $0.1 == 100 })
        // Every acknowledged event is in the file, and nothing of a refused batch.
        await writer.close()
        let stored = try await database.writer.read { db in try String.fetchAll(db, sql: "SELECT source_event_id FROM events") }
        let expected = Set(acknowledged.flatMap { batch in (0..<100).map { "b\(batch.0)-\($0)" } })
        #expect(Set(stored) == expected)
        #expect(writer.statistics.queuedEvents == 0 && writer.statistics.queuedBytes == 0)
    }

    @Test func aLockHeldPastTheBusyTimeoutFailsTheGroupAsBusyAndStoresNothing() async throws {
        let writer = GroupCommitWriter(database: database, clock: .system)
        try writer.start()
        let lock = try LockHolder(path: database.path)
        // Three requests; the lock outlasts SQLite's busy timeout (10 s). A group fails together
        // after one busy timeout, so no request waits longer than the group before it and its
        // own: 20 s. Trying each request of a group alone would add a busy timeout per request.
        let results = await withTaskGroup(of: (Result<Int, any Error>, Double).self) { group in
            for batch in 0..<3 {
                group.addTask {
                    let started = Date()
                    do {
                        let stored = try await writer.write(drafts("late\(batch)", count: 10)).stored
                        return (.success(stored), Date().timeIntervalSince(started))
                    } catch {
                        return (.failure(error), Date().timeIntervalSince(started))
                    }
                }
            }
            var all: [(Result<Int, any Error>, Double)] = []
            for await result in group { all.append(result) }
            return all
        }
        try lock.release()
        #expect(results.allSatisfy { $0.0.failureIsBusy }, "\(results.map(\.0))")
        #expect(results.allSatisfy { $0.1 < 25 }, "waits: \(results.map(\.1)) s")
        let stored = try await database.writer.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM events")! }
        let waiting = try await database.writer.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM event_inbox")! }
        #expect(stored + waiting == 0)
        // After the lock goes the writer takes events again.
        #expect(try await writer.write(drafts("after", count: 5)).stored == 5)
        await writer.close()
    }
}

extension Result {
    var failureIsBusy: Bool {
        if case .failure(let error) = self { return error is GroupCommitWriter.Busy }
        return false
    }
}
