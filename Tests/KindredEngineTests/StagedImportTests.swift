import Foundation
import GRDB
import KindredStore
import KindredTestSupport
import Testing

@testable import KindredEngine

/// An events import into a file a server is using is staged (migration 0006): these tests hold
/// the serving lock themselves, as `kindred serve` would, and take the staged path with slices
/// of a few hundred rows, so that every step runs many times.
@Suite struct StagedImportTests {
    static let clock = WallClock { TestDatabase.fixedNowMs }

    static var smallSlices: StagedImportPacing {
        var pacing = StagedImportPacing()
        pacing.pause = 0
        pacing.startingRows = 150
        pacing.minimumRows = 50
        pacing.maximumRows = 300
        return pacing
    }

    /// Two shops that share a key file, so that the same person gets the same pseudonym in both.
    func engines(in directory: TemporaryDirectory) throws -> (single: Engine, staged: Engine) {
        let key = directory.file("shared.key")
        func make(_ name: String) throws -> Engine {
            try Engine.create(at: DatabaseLocation(databasePath: directory.file(name), keyPath: key), clock: Self.clock).engine
        }
        return (try make("single.sqlite"), try make("staged.sqlite"))
    }

    /// A log with every event type, devices, repeated event ids (duplicates), people who
    /// appear many times and one who withdrew analytics consent.
    static func eventLog(rows: Int, badLine: Int? = nil) -> String {
        var random = SplitMix64(seed: 11)
        var lines = ["event_id,user_id,item_id,type,ts,device,value,price,country"]
        for n in 0..<rows {
            let type = EventType.allCases[Int(random.next() % UInt64(EventType.allCases.count))]
            let id = n % 10 == 9 ? "e\(n - 1)" : "e\(n)"  // every tenth repeats the one before
            let user = "u\(random.next() % 120)"
            let device = Device.allCases[n % Device.allCases.count].rawValue
            let value = type == .rating ? "4" : (type == .purchase ? "2" : "")
            let ts = n + 1 == badLine ? "never" : String(1_793_527_200 + n * 7)
            lines.append("\(id),\(user),I\(random.next() % 60),\(type.rawValue),\(ts),\(device),\(value),3.5,GB")
        }
        // Rows without an event id that genuinely repeat (a product scanned twice), far apart in
        // the file, so that slices cut between them: each must be kept.
        for n in 0..<40 {
            let line = ",u\(n % 30),I\(n % 7),purchase,\(1_793_000_000 + n),mobile,1,2.5,GB"
            lines.insert(line, at: 1 + n * rows / 40)
            lines.append(line)
        }
        return lines.joined(separator: "\n") + "\n"
    }

    static func withdrawAnalytics(of user: String, in engine: Engine) throws {
        _ = try engine.recordConsent(body: Data(#"{"user_id":"\#(user)","purpose":"analytics","granted":false,"ts":"2026-11-01T00:00:00Z"}"#.utf8))
    }

    /// Stages a whole events file in one transaction, and publishes it if asked, as an import
    /// that is then interrupted would have left it. Returns the stage.
    @discardableResult
    static func stage(_ file: String, in engine: Engine, publish: Bool) throws -> Int64 {
        let request = ImportRequest(kind: .events, fileName: file, format: .csv)
        let stager = try StagedEventImport(
            request, data: try Data(contentsOf: URL(fileURLWithPath: file)), pseudonymizer: engine.database.pseudonymizer)
        return try engine.database.writer.write { db in
            let stagePK = try ImportStaging.begin(file: file, format: .csv, nowMs: TestDatabase.fixedNowMs, in: db)
            try stageAll(stager, into: stagePK, in: db)
            try stager.finishReading()
            if publish {
                try ImportStaging.publish(stagePK: stagePK, reading: stager.readingCounts, rejectsFile: nil, nowMs: TestDatabase.fixedNowMs, in: db)
            }
            return stagePK
        }
    }

    /// Reads a whole file into a stage in one go, as an import that is then interrupted would have.
    static func stageAll(_ stager: StagedEventImport, into stagePK: Int64, in db: Database) throws {
        var more = true
        while more {
            let (drafts, remain) = try stager.read(rows: 100)
            stager.committed(try stager.append(drafts, to: stagePK, in: db))
            more = remain
        }
    }

    static func contents(_ engine: Engine) throws -> [String: [String]] {
        let all = try DatabaseSnapshot.take(engine.database)
        return all.filter { ["events", "users", "items", "consents"].contains($0.key) }
    }

    @Test func aStagedImportStoresExactlyWhatASingleTransactionStores() throws {
        let directory = TemporaryDirectory()
        let (single, staged) = try engines(in: directory)
        let file = directory.write("log.csv", Self.eventLog(rows: 3_000))
        for engine in [single, staged] { try Self.withdrawAnalytics(of: "u7", in: engine) }
        let request = ImportRequest(kind: .events, fileName: file, format: .csv)

        let one = try single.importFile(at: file, request: request)
        let serving = try ServingLock.acquire(for: staged.database.path)
        defer { serving.release() }
        let other = try staged.importFile(at: file, request: request, pacing: Self.smallSlices)

        #expect(other.counts == one.counts)
        #expect(one.counts.duplicates == 300)
        #expect(try DatabaseSnapshot.count("events", in: staged.database, where: "source_event_id IS NULL") == 80)
        #expect(one.counts.anonymized > 0)
        #expect(try Self.contents(staged) == Self.contents(single))
        #expect(try DatabaseSnapshot.count("import_stages", in: staged.database) == 0)
        #expect(try DatabaseSnapshot.count("import_staged_events", in: staged.database) == 0)
        #expect(
            try DatabaseSnapshot.count(
                "jobs", in: staged.database, where: "kind = 'import_events' AND json_extract(details, '$.staged') = 1") == 1)
        #expect(try DatabaseSnapshot.count("audit_log", in: staged.database, where: "action = 'import_events'") == 1)
        try staged.database.writer.read { (db: Database) throws -> Void in
            #expect(try Row.fetchAll(db, sql: "PRAGMA foreign_key_check").isEmpty)
        }
    }

    @Test func aFileRefusedAfterManySlicesLeavesNoTrace() throws {
        let directory = TemporaryDirectory()
        let (_, staged) = try engines(in: directory)
        let file = directory.write("log.csv", Self.eventLog(rows: 2_000, badLine: 1_900))
        let serving = try ServingLock.acquire(for: staged.database.path)
        defer { serving.release() }
        let before = try DatabaseSnapshot.take(staged.database)
        #expect(throws: ImportRefused.self) {
            try staged.importFile(at: file, request: ImportRequest(kind: .events, fileName: file, format: .csv), pacing: Self.smallSlices)
        }
        #expect(try DatabaseSnapshot.take(staged.database) == before)
    }

    @Test func skipBadSetsRowsAsideAndStagesTheRest() throws {
        let directory = TemporaryDirectory()
        let (single, staged) = try engines(in: directory)
        let file = directory.write("log.csv", Self.eventLog(rows: 1_000, badLine: 500))
        let serving = try ServingLock.acquire(for: staged.database.path)
        defer { serving.release() }
        func request(_ rejects: String) -> ImportRequest {
            ImportRequest(kind: .events, fileName: file, format: .csv, skipBad: true, rejectsPath: directory.file(rejects))
        }
        let one = try single.importFile(at: file, request: request("single.rejects.csv"))
        let other = try staged.importFile(at: file, request: request("staged.rejects.csv"), pacing: Self.smallSlices)
        #expect(other.counts == one.counts)
        #expect(other.counts.rejected == 1)
        #expect(other.rejectsFile == directory.file("staged.rejects.csv"))
        #expect(try Self.contents(staged) == Self.contents(single))
    }

    /// The process died after publishing: the import is committed, and the next import (or
    /// server start) files it. The process died while staging: its rows are removed.
    @Test func interruptedStagesAreFinishedOrRemovedByTheNextOne() throws {
        let directory = TemporaryDirectory()
        let (single, staged) = try engines(in: directory)
        let file = directory.write("log.csv", Self.eventLog(rows: 800))
        let request = ImportRequest(kind: .events, fileName: file, format: .csv)
        _ = try single.importFile(at: file, request: request)

        let empty = try Self.contents(staged)
        try Self.stage(file, in: staged, publish: false)
        #expect(try Self.contents(staged) == empty)
        #expect(try staged.finishInterruptedImports(pacing: Self.smallSlices).isEmpty)
        #expect(try DatabaseSnapshot.count("import_staged_events", in: staged.database) == 0)
        #expect(try DatabaseSnapshot.count("import_stages", in: staged.database) == 0)

        let stagePK = try Self.stage(file, in: staged, publish: true)
        // File a few slices, then "die": the rest is finished by the next caller.
        _ = try staged.database.writer.write { db in
            try ImportStaging.file(stagePK: stagePK, rows: 300, in: db)
        }
        let finished = try staged.finishInterruptedImports(pacing: Self.smallSlices)
        #expect(finished.map(\.counts.rowsRead) == [880])
        #expect(finished.first?.counts.imported == 800)
        #expect(try Self.contents(staged) == Self.contents(single))
    }

    @Test func erasureTakesAPersonsStagedEventsToo() throws {
        let directory = TemporaryDirectory()
        let (_, staged) = try engines(in: directory)
        let file = directory.write("log.csv", Self.eventLog(rows: 600))
        try Self.stage(file, in: staged, publish: true)
        let pseudonym = staged.database.pseudonymizer.pseudonym(of: "u3")
        let theirs = try DatabaseSnapshot.count("import_staged_events", in: staged.database, where: "user_pseudonym = '\(pseudonym)'")
        #expect(theirs > 0)
        let report = try staged.forget(userID: "u3")
        #expect(report.found)
        #expect(report.deleted["import_staged_events"] == theirs)
        _ = try staged.finishInterruptedImports(pacing: Self.smallSlices)
        #expect(try DatabaseSnapshot.count("users", in: staged.database, where: "pseudonym = '\(pseudonym)'") == 0)
        #expect(try DatabaseSnapshot.count("events", in: staged.database) > 0)
    }

    /// A catalog with repeated products (the last row wins, attributes merge), imported twice
    /// the second time moving products to other categories, which recounts favourites.
    static func catalog(rows: Int, categoryOffset: Int, badLine: Int? = nil) -> String {
        var lines = ["item_id,title,category,tags,price,in_stock,brand,colour"]
        for n in 0..<rows {
            let item = "I\(n % 60)"
            let price = n + 1 == badLine ? "-3" : String(Double(n % 17) + 0.5)
            let brand = n % 3 == 0 ? "" : "brand\(n % 5)"
            lines.append("\(item),Item \(n),cat\((n + categoryOffset) % 4),red|x\(n % 3),\(price),\(n % 2),\(brand),c\(n % 7)")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    @Test func aStagedCatalogImportAppliesExactlyWhatASingleTransactionApplies() throws {
        let directory = TemporaryDirectory()
        let (single, staged) = try engines(in: directory)
        let events = directory.write("log.csv", Self.eventLog(rows: 600))
        let first = directory.write("catalog1.csv", Self.catalog(rows: 500, categoryOffset: 0))
        let second = directory.write("catalog2.csv", Self.catalog(rows: 500, categoryOffset: 1))
        func run(_ engine: Engine, pacing: StagedImportPacing) throws -> [ImportCounts] {
            try [(events, ImportKind.events), (first, .catalog), (second, .catalog)].map { file, kind in
                try engine.importFile(at: file, request: ImportRequest(kind: kind, fileName: file, format: .csv), pacing: pacing).counts
            }
        }
        let one = try run(single, pacing: StagedImportPacing())
        let serving = try ServingLock.acquire(for: staged.database.path)
        defer { serving.release() }
        let other = try run(staged, pacing: Self.smallSlices)
        #expect(other == one)
        #expect(one[2].updatedItems == 60)
        #expect(try Self.contents(staged) == Self.contents(single))
        #expect(try DatabaseSnapshot.count("import_staged_items", in: staged.database) == 0)
        #expect(
            try DatabaseSnapshot.count(
                "jobs", in: staged.database, where: "kind = 'import_catalog' AND json_extract(details, '$.staged') = 1") == 2)
        let changed = try staged.database.writer.read { db in try SettingsStore.value("catalog.changed_ms", in: db) }
        #expect(changed != nil)
    }

    @Test func aRefusedCatalogLeavesNoTrace() throws {
        let directory = TemporaryDirectory()
        let (_, staged) = try engines(in: directory)
        let file = directory.write("catalog.csv", Self.catalog(rows: 400, categoryOffset: 0, badLine: 390))
        let serving = try ServingLock.acquire(for: staged.database.path)
        defer { serving.release() }
        let before = try DatabaseSnapshot.take(staged.database)
        #expect(throws: ImportRefused.self) {
            try staged.importFile(at: file, request: ImportRequest(kind: .catalog, fileName: file, format: .csv), pacing: Self.smallSlices)
        }
        #expect(try DatabaseSnapshot.take(staged.database) == before)
    }

    @Test func aStagedConsentsImportRecordsExactlyWhatASingleTransactionRecords() throws {
        let directory = TemporaryDirectory()
        let (single, staged) = try engines(in: directory)
        var lines = ["user_id,purpose,granted,ts,source"]
        for n in 0..<900 {
            let purpose = ["analytics", "personalization", "experiments"][n % 3]
            lines.append("c\(n % 250),\(purpose),\(n % 4 == 0 ? "false" : "true"),\(1_793_000_000 + n / 2),banner")
        }
        lines.append(contentsOf: lines[1...50])  // decisions recorded before: duplicates
        let file = directory.write("consents.csv", lines.joined(separator: "\n") + "\n")
        let request = ImportRequest(kind: .consents, fileName: file, format: .csv)
        let one = try single.importFile(at: file, request: request)
        let serving = try ServingLock.acquire(for: staged.database.path)
        defer { serving.release() }
        let other = try staged.importFile(at: file, request: request, pacing: Self.smallSlices)
        #expect(other.counts == one.counts)
        #expect(one.counts.duplicates == 50)
        #expect(try Self.contents(staged) == Self.contents(single))
        #expect(try DatabaseSnapshot.count("import_staged_consents", in: staged.database) == 0)
    }

    /// A published stage that cannot be filed (here a row changed by hand at the sqlite3
    /// prompt) says that the import is committed and how it will be finished; the rows stay.
    @Test func aStageThatCannotBeFiledSaysTheImportIsCommitted() throws {
        let directory = TemporaryDirectory()
        let (_, staged) = try engines(in: directory)
        let file = directory.write("log.csv", Self.eventLog(rows: 200))
        try Self.stage(file, in: staged, publish: true)
        try staged.database.writer.write { db in
            try db.execute(sql: "UPDATE import_staged_events SET type = 'teleport' WHERE staged_pk = (SELECT max(staged_pk) FROM import_staged_events)")
        }
        #expect {
            try staged.finishInterruptedImports(pacing: Self.smallSlices)
        } throws: { error in
            let interrupted = error as? StagedImportInterrupted
            return interrupted?.file == file && "\(error)".contains("is committed") && "\(error)".contains("unknown type")
        }
        #expect(try DatabaseSnapshot.count("import_stages", in: staged.database) == 1)
        #expect(try DatabaseSnapshot.count("import_staged_events", in: staged.database) > 0)
    }

    @Test func sliceSizesFollowTheTimeEachTransactionTook() {
        var pacing = StagedImportPacing()
        pacing.target = 0.1
        var sizer = SliceSizer(pacing: pacing)
        #expect(sizer.rows == 5_000)
        sizer.record(rows: 5_000, seconds: 0.05)  // 10 µs a row: 10,000 would fit; halfway there
        #expect(sizer.rows == 7_500)
        sizer.record(rows: 7_500, seconds: 7.5)  // a millisecond a row: 100 fit, clamped to 200
        #expect(sizer.rows == 3_800)
        for _ in 0..<10 { sizer.record(rows: 1_000, seconds: 1) }
        #expect(sizer.rows == pacing.minimumRows)
        for _ in 0..<20 { sizer.record(rows: 1_000, seconds: 0.000_01) }
        #expect(sizer.rows == pacing.maximumRows)
    }
}
