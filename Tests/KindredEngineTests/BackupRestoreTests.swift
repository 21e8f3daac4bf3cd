import Foundation
import GRDB
@testable import KindredStore
import KindredTestSupport
import Testing

@testable import KindredEngine

/// `kindred backup` under load and `kindred restore`'s checks, on real files.
@Suite struct BackupRestoreTests {
    let directory = TemporaryDirectory()
    let location: DatabaseLocation
    let engine: Engine

    init() throws {
        location = DatabaseLocation(databasePath: directory.file("shop.sqlite"), keyPath: directory.file("shop.sqlite.key"))
        (engine, _) = try Engine.create(at: location)
    }

    func drafts(_ batch: Int) -> [EventDraft] {
        TestEvents.views(
            "b\(batch)", count: 100, people: 17, items: 23, pseudonymizer: engine.database.pseudonymizer,
            startMs: 1_793_527_200_000 + Int64(batch * 100))
    }

    final class Acknowledged: @unchecked Sendable {
        private let lock = NSLock()
        private var ids: [(id: String, at: Date)] = []
        func add(_ batch: [String]) { lock.withLock { ids += batch.map { ($0, Date()) } } }
        func before(_ date: Date) -> Set<String> { lock.withLock { Set(ids.filter { $0.at < date }.map(\.id)) } }
        var count: Int { lock.withLock { ids.count } }
    }

    @Test func aBackupUnderLoadIsIntactAndHoldsEverythingAcknowledgedBeforeIt() async throws {
        let writer = GroupCommitWriter(database: engine.database, clock: .system)
        try writer.start()
        let acknowledged = Acknowledged()
        let load = Task {
            try await withThrowingTaskGroup(of: Void.self) { group in
                for client in 0..<3 {
                    group.addTask {
                        for batch in stride(from: client, to: 600, by: 3) {
                            if Task.isCancelled { return }
                            let batchDrafts = drafts(batch)
                            _ = try await writer.write(batchDrafts)
                            acknowledged.add(batchDrafts.map { $0.sourceEventID! })
                        }
                    }
                }
                try await group.waitForAll()
            }
        }
        while acknowledged.count < 5_000 { try await Task.sleep(for: .milliseconds(10)) }
        let began = Date()
        let copy = directory.file("backup.sqlite")
        let report = try engine.backup(to: copy)
        load.cancel()
        _ = try? await load.value
        await writer.close()

        #expect(report.copy.integrity == "ok")
        let facts = try DatabaseCopy.inspect(copy)
        #expect(facts.integrity == "ok")
        let queue = try DatabaseQueue(path: copy)
        let inCopy = try await queue.read { db in
            Set(try String.fetchAll(db, sql: "SELECT source_event_id FROM events UNION ALL SELECT source_event_id FROM event_inbox"))
        }
        let expected = acknowledged.before(began)
        #expect(expected.count >= 5_000)
        #expect(expected.isSubset(of: inCopy), "\(expected.subtracting(inCopy).count) acknowledged events are missing from the copy")
        // The live database audits the backup; a second backup never overwrites the first.
        #expect(throws: DataError.self) { try engine.backup(to: copy) }
    }

    @Test func restoreChecksTheCopyBeforeItReplacesAnything() throws {
        let copy = directory.file("good.sqlite")
        _ = try engine.backup(to: copy)
        let original = try Data(contentsOf: URL(fileURLWithPath: location.databasePath))

        // Not a database at all.
        let junk = directory.write("junk.sqlite", String(repeating: "not sqlite ", count: 500))
        #expect(throws: (any Error).self) { try Engine.restore(from: junk, to: location) }
        // Made under another key.
        let otherDirectory = TemporaryDirectory()
        let other = DatabaseLocation(databasePath: otherDirectory.file("o.sqlite"), keyPath: otherDirectory.file("o.sqlite.key"))
        let (otherEngine, _) = try Engine.create(at: other)
        let foreign = directory.file("foreign.sqlite")
        _ = try otherEngine.backup(to: foreign)
        #expect {
            try Engine.restore(from: foreign, to: location)
        } throws: { error in
            "\(error)".contains("another pseudonymization key")
        }
        // A schema newer than this binary.
        let future = directory.file("future.sqlite")
        try FileManager.default.copyItem(atPath: copy, toPath: future)
        let queue = try DatabaseQueue(path: future)
        try queue.write { db in
            try db.execute(sql: "INSERT INTO schema_migrations (version, name, checksum, applied_ms) VALUES (999, 'future', 'x', 0)")
        }
        try queue.close()
        #expect(throws: StoreError.self) { try Engine.restore(from: future, to: location) }
        // None of those touched the database.
        #expect(try Data(contentsOf: URL(fileURLWithPath: location.databasePath)) == original)

        // A good copy replaces it, and the replaced one is kept.
        let restored = try Engine.restore(from: copy, to: location)
        let kept = try #require(restored.previousKeptAt)
        #expect(FileManager.default.fileExists(atPath: kept))
        #expect(try DatabaseCopy.inspect(location.databasePath).integrity == "ok")
    }

    @Test func restoreRefusesWhileAServerHoldsTheFile() throws {
        let copy = directory.file("copy.sqlite")
        _ = try engine.backup(to: copy)
        let serving = try ServingLock.acquire(for: location.databasePath)
        defer { serving.release() }
        #expect(throws: ServingLock.Held.self) { try Engine.restore(from: copy, to: location) }
    }
}
