import Foundation
import KindredStore

/// How a staged import (an import into a file a server is using) shares SQLite's one write
/// lock: every transaction it runs is sized to hold the lock for about `target` seconds,
/// and after each it lets go for `pause`, during which the server's writer, which asks for the
/// lock every millisecond (`KindredDatabase.configuration`), takes its turn.
public struct StagedImportPacing: Sendable {
    public var target = 0.1
    public var pause = 0.005
    /// A transaction that found the lock taken for the whole busy timeout is tried again, up
    /// to this many times (each try waits the busy timeout), before the import gives up.
    public var busyRetries = 30
    public var minimumRows = 200
    public var maximumRows = 100_000
    /// The first transaction's rows, before any has been timed.
    public var startingRows = 5_000

    public init() {}
}

/// A published import whose filing stopped: its rows are committed and wait in the stage, and
/// the next import or server start files the rest (or, if the cause is lasting, fails the
/// same way and says so).
public struct StagedImportInterrupted: Error, CustomStringConvertible {
    public var stagePK: Int64
    public var file: String?
    public var reason: any Error

    public var description: String {
        "the import" + (file.map { " of \($0)" } ?? "") + " is committed (import stage \(stagePK)) but filing it stopped: \(reason)"
            + "; the next `kindred import` or `kindred serve` start files the rest"
    }
}

/// Sizes a staged import's transactions from how long the previous ones took per row.
struct SliceSizer {
    private(set) var rows: Int
    let pacing: StagedImportPacing

    init(pacing: StagedImportPacing) {
        self.pacing = pacing
        rows = max(pacing.minimumRows, min(pacing.maximumRows, pacing.startingRows))
    }

    mutating func record(rows done: Int, seconds: Double) {
        guard done > 0, seconds > 0 else { return }
        let fitting = pacing.target / (seconds / Double(done))
        // Halfway towards what would have fitted: one slow transaction (a checkpoint, a page
        // cache miss) does not swing the next one far.
        let next = (Double(rows) + fitting) / 2
        rows = max(pacing.minimumRows, min(pacing.maximumRows, Int(next)))
    }
}

extension Engine {
    /// An events import beside a running server, all-or-nothing without holding the write lock
    /// for long (migration 0006 has the protocol): read and check a slice of rows with no lock
    /// held, append it to the stage in a short transaction, and so on; publish once the whole
    /// file is known to be good, file the rows in slices, recount the favourite categories of
    /// the people it touched on a reader, and end with the job and audit rows. A refused file
    /// (or any failure before publishing) leaves nothing.
    func importStagedEvents(
        at path: String, request: ImportRequest, data: Data, pacing: StagedImportPacing,
        progress: ((_ done: Int, _ total: Int) -> Void)?
    ) throws -> ImportSummary {
        let reading = try StagedEventImport(request, data: data, pseudonymizer: database.pseudonymizer, progress: progress)
        return try runStaged(.events, at: path, request: request, pacing: pacing) { stagePK, sizer in
            var more = true
            while more {
                let (drafts, remain) = try reading.read(rows: sizer.rows)
                more = remain
                guard !drafts.isEmpty else { continue }
                reading.committed(
                    try appendSlice(rows: drafts.count, pacing: pacing, sizer: &sizer) {
                        try database.writer.write { db in try reading.append(drafts, to: stagePK, in: db) }
                    })
            }
            try reading.finishReading()
            return reading.readingCounts
        } progress: { filed in
            progress?(filed, reading.rowsRead - reading.rejected - reading.withheld)
        }
    }

    /// A catalog import beside a running server: read and merge the whole file with no lock
    /// held, stage one row per product in short transactions, publish, apply them to `items`
    /// slice by slice, and recount favourite categories on a reader if a product moved.
    func importStagedCatalog(
        at path: String, request: ImportRequest, data: Data, pacing: StagedImportPacing,
        progress: ((_ done: Int, _ total: Int) -> Void)?
    ) throws -> ImportSummary {
        let reading = try StagedCatalogImport(request, data: data, progress: progress)
        try reading.readAll()
        return try runStaged(.catalog, at: path, request: request, pacing: pacing) { stagePK, sizer in
            let items = reading.items
            var start = 0
            while start < items.count {
                let slice = items[start..<min(items.count, start + sizer.rows)]
                try appendSlice(rows: slice.count, pacing: pacing, sizer: &sizer) {
                    try database.writer.write { db in try ImportStaging.appendItems(slice, to: stagePK, in: db) }
                }
                start += slice.count
            }
            return reading.readingCounts
        }
    }

    /// A consents import beside a running server: read a slice with no lock held, append it
    /// in a short transaction, publish once the file is known good, then record the decisions
    /// slice by slice.
    func importStagedConsents(
        at path: String, request: ImportRequest, data: Data, pacing: StagedImportPacing,
        progress: ((_ done: Int, _ total: Int) -> Void)?
    ) throws -> ImportSummary {
        let purposes = try database.writer.read { db in try ConsentSettings.purposes(in: db) }
        let reading = try StagedConsentImport(
            request, data: data, pseudonymizer: database.pseudonymizer, purposes: purposes, progress: progress)
        return try runStaged(.consents, at: path, request: request, pacing: pacing) { stagePK, sizer in
            var more = true
            while more {
                let (drafts, remain) = try reading.read(rows: sizer.rows)
                more = remain
                guard !drafts.isEmpty else { continue }
                try appendSlice(rows: drafts.count, pacing: pacing, sizer: &sizer) {
                    try database.writer.write { db in try ImportStaging.appendConsents(drafts, to: stagePK, in: db) }
                }
            }
            try reading.finishReading()
            return reading.readingCounts
        }
    }

    /// What every staged import does around its own staging: open a stage, let `stage` append
    /// the rows (returning what reading counted), publish, or on any failure before that
    /// remove the stage (if even that fails, the next import or server start removes it); then
    /// complete the stage.
    private func runStaged(
        _ kind: ImportKind, at path: String, request: ImportRequest, pacing: StagedImportPacing,
        stage: (_ stagePK: Int64, _ sizer: inout SliceSizer) throws -> ImportCounts, progress: ((Int) -> Void)? = nil
    ) throws -> ImportSummary {
        let started = WallClock.monotonicSeconds()
        let startedMs = clock.now()
        let stagePK = try paced(pacing) {
            try database.writer.write { db in
                try ImportStaging.begin(kind: kind, file: path, format: request.format, nowMs: startedMs, in: db)
            }
        }
        do {
            var sizer = SliceSizer(pacing: pacing)
            let reading = try stage(stagePK, &sizer)
            try paced(pacing) {
                try database.writer.write { db in
                    try ImportStaging.publish(
                        stagePK: stagePK, reading: reading, rejectsFile: reading.rejected > 0 ? request.rejectsPath : nil,
                        nowMs: clock.now(), in: db)
                }
            }
        } catch {
            try? discardStage(stagePK, pacing: pacing)
            throw error
        }
        let done = try completeStage(stagePK, kind: kind, pacing: pacing, progress: progress)
        return ImportSummary(
            kind: kind.rawValue, file: path, format: request.format.rawValue, counts: done.counts,
            seconds: WallClock.monotonicSeconds() - started, rejectsFile: done.rejectsFile)
    }

    /// One staging transaction of `rows` rows, timed for the next slice's size.
    private func appendSlice<T>(
        rows: Int, pacing: StagedImportPacing, sizer: inout SliceSizer, _ transaction: () throws -> T
    ) throws -> T {
        let began = WallClock.monotonicSeconds()
        let result = try paced(pacing, transaction)
        sizer.record(rows: rows, seconds: WallClock.monotonicSeconds() - began - pacing.pause)
        return result
    }

    /// Finishes the stages that interrupted imports left: files a published one's rows and
    /// ends it, removes an unpublished one. Call holding the import lock. Returns the imports
    /// it finished.
    func finishStages(pacing: StagedImportPacing) throws -> [ImportSummary] {
        var finished: [ImportSummary] = []
        for stage in try database.writer.read({ db in try ImportStaging.stages(in: db) }) {
            if stage.isPublished {
                let started = WallClock.monotonicSeconds()
                let done = try completeStage(stage.stagePK, kind: stage.kind, pacing: pacing, resumed: true, progress: nil)
                finished.append(
                    ImportSummary(
                        kind: stage.kind.rawValue, file: done.file, format: done.format, counts: done.counts,
                        seconds: WallClock.monotonicSeconds() - started, rejectsFile: done.rejectsFile))
            } else {
                try discardStage(stage.stagePK, pacing: pacing)
            }
        }
        return finished
    }

    /// Files (events) or applies (catalog, consents) a published stage slice by slice, recounts
    /// favourite categories where they may have changed, and ends the stage with its job and
    /// audit rows, in the transaction that deletes it.
    private func completeStage(
        _ stagePK: Int64, kind: ImportKind, pacing: StagedImportPacing, resumed: Bool = false, progress: ((Int) -> Void)?
    ) throws -> ImportStaging.Stage {
        do {
            return try fileAndFinish(stagePK, kind: kind, pacing: pacing, resumed: resumed, progress: progress)
        } catch {
            let file = try? database.writer.read { db in try ImportStaging.stages(in: db).first { $0.stagePK == stagePK }?.file }
            throw StagedImportInterrupted(stagePK: stagePK, file: file ?? nil, reason: error)
        }
    }

    private func fileAndFinish(
        _ stagePK: Int64, kind: ImportKind, pacing: StagedImportPacing, resumed: Bool, progress: ((Int) -> Void)?
    ) throws -> ImportStaging.Stage {
        var sizer = SliceSizer(pacing: pacing)
        var people = Set<Int64>()
        var done = 0
        var more = true
        while more {
            let began = WallClock.monotonicSeconds()
            let rows = sizer.rows
            let (filed, remain, touched) = try paced(pacing) {
                try database.writer.write(checking: kind == .events ? .trusted : .enforced) { db -> (Int, Bool, [Int64]) in
                    switch kind {
                    case .events:
                        let step = try ImportStaging.file(stagePK: stagePK, rows: rows, in: db)
                        return (step.filed, step.rowsRemain, step.people)
                    case .catalog:
                        let step = try ImportStaging.applyItems(stagePK: stagePK, rows: rows, in: db)
                        return (step.applied, step.rowsRemain, [])
                    case .consents:
                        let step = try ImportStaging.applyConsents(stagePK: stagePK, rows: rows, in: db)
                        return (step.applied, step.rowsRemain, [])
                    }
                }
            }
            sizer.record(rows: filed, seconds: WallClock.monotonicSeconds() - began - pacing.pause)
            people.formUnion(touched)
            done += filed
            progress?(done)
            more = remain
        }
        // Favourite categories: of the people whose events were filed, or of everyone when a
        // product changed category. Counted on a reader, stored in short transactions.
        let recount: [Int64]
        if kind == .catalog {
            let moved = try database.writer.read { db in try ImportStaging.stages(in: db).first { $0.stagePK == stagePK }?.categoriesChanged }
            recount = moved == true ? try database.writer.read { db in try ProfileStore.userPKs(in: db) } : []
        } else if kind == .events {
            if resumed { people.formUnion(try database.writer.read { db in try ImportStaging.peopleFiled(stagePK: stagePK, in: db) }) }
            recount = people.sorted()
        } else {
            recount = []
        }
        for start in stride(from: 0, to: recount.count, by: 2_000) {
            let chunk = Array(recount[start..<min(start + 2_000, recount.count)])
            let counted = try database.writer.read { db in try ProfileStore.countFavouriteCategories(of: chunk, in: db) }
            try paced(pacing) { try database.writer.write { db in try ProfileStore.store(counted, in: db) } }
        }
        return try paced(pacing) {
            try database.writer.write { db in
                let stage = try ImportStaging.finish(stagePK: stagePK, in: db)
                if kind == .catalog { try ImportStaging.markCatalogChanged(nowMs: clock.now(), in: db) }
                let summary = ImportSummary(
                    kind: kind.rawValue, file: stage.file, format: stage.format, counts: stage.counts,
                    seconds: Double(clock.now() - stage.startedMs) / 1000, rejectsFile: stage.rejectsFile)
                var details = Self.details(of: summary)
                details["staged"] = true
                try JobStore.insert(
                    .init(
                        kind: "import_\(kind.rawValue)", status: "succeeded", startedMs: stage.startedMs, finishedMs: clock.now(),
                        details: details),
                    in: db)
                try AuditLog.append(action: "import_\(kind.rawValue)", actor: actor, details: details, in: db, nowMs: clock.now())
                return stage
            }
        }
    }

    private func discardStage(_ stagePK: Int64, pacing: StagedImportPacing) throws {
        var more = true
        while more {
            more = try paced(pacing) { try database.writer.write { db in try ImportStaging.discard(stagePK: stagePK, rows: 20_000, in: db) } }
        }
    }

    /// One short write transaction of a staged import: tried again while the lock stays
    /// taken past the busy timeout, then a pause that lets the server's writer in.
    private func paced<T>(_ pacing: StagedImportPacing, _ transaction: () throws -> T) throws -> T {
        var attempt = 0
        while true {
            do {
                let result = try transaction()
                Thread.sleep(forTimeInterval: pacing.pause)
                return result
            } catch where StoreError.isBusy(error) && attempt < pacing.busyRetries {
                attempt += 1
            }
        }
    }
}

extension Engine {
    /// Finishes the imports that a process interrupted (published ones are filed, unpublished
    /// ones removed), unless an import is running now; `kindred serve` calls it at start.
    /// Returns the imports it finished.
    public func finishInterruptedImports(pacing: StagedImportPacing = StagedImportPacing()) throws -> [ImportSummary] {
        guard let lock = try ImportLock.tryAcquire(for: database.path) else { return [] }
        defer { lock.release() }
        return try finishStages(pacing: pacing)
    }
}
