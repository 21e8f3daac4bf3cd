import Foundation
import KindredStore

/// How a staged import (an events import into a file a server is using) shares SQLite's one
/// write lock: every transaction it runs is sized to hold the lock for about `target` seconds,
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
    /// held, append it to the stage in a short transaction, and so on; publish them in
    /// one tiny transaction once the whole file is known to be good, file them in slices,
    /// recount the favourite categories of the people it touched on a reader, and end with the
    /// job and audit rows. A refused file (or any failure before publishing) leaves nothing.
    func importStaged(
        at path: String, request: ImportRequest, data: Data, pacing: StagedImportPacing,
        progress: ((_ done: Int, _ total: Int) -> Void)?
    ) throws -> ImportSummary {
        let started = WallClock.monotonicSeconds()
        let startedMs = clock.now()
        let stager = try StagedEventImport(request, data: data, pseudonymizer: database.pseudonymizer, progress: progress)
        let stagePK = try paced(pacing) {
            try database.writer.write { db in try ImportStaging.begin(file: path, format: request.format, nowMs: startedMs, in: db) }
        }
        do {
            var sizer = SliceSizer(pacing: pacing)
            var more = true
            while more {
                let (drafts, remain) = try stager.read(rows: sizer.rows)
                more = remain
                guard !drafts.isEmpty else { continue }
                let began = WallClock.monotonicSeconds()
                let slice = try paced(pacing) { try database.writer.write { db in try stager.append(drafts, to: stagePK, in: db) } }
                stager.committed(slice)
                sizer.record(rows: drafts.count, seconds: WallClock.monotonicSeconds() - began - pacing.pause)
            }
            try stager.finishReading()
            try paced(pacing) {
                try database.writer.write { db in
                    try ImportStaging.publish(
                        stagePK: stagePK, reading: stager.readingCounts, rejectsFile: stager.rejected > 0 ? request.rejectsPath : nil,
                        nowMs: clock.now(), in: db)
                }
            }
        } catch {
            // Not published: nothing of it may remain. If even this fails, the next import or
            // server start removes the stage.
            try? discardStage(stagePK, pacing: pacing)
            throw error
        }
        let total = stager.rowsRead - stager.rejected - stager.withheld
        let stage = try fileStage(stagePK, pacing: pacing, progress: progress.map { report in { report($0, total) } })
        return ImportSummary(
            kind: request.kind.rawValue, file: path, format: request.format.rawValue, counts: stage.counts,
            seconds: WallClock.monotonicSeconds() - started, rejectsFile: stage.rejectsFile)
    }

    /// Finishes the stages that interrupted imports left: files a published one's rows and
    /// ends it, removes an unpublished one. Call holding the import lock. Returns the imports
    /// it finished.
    func finishStages(pacing: StagedImportPacing) throws -> [ImportSummary] {
        var finished: [ImportSummary] = []
        for stage in try database.writer.read({ db in try ImportStaging.stages(in: db) }) {
            if stage.isPublished {
                let started = WallClock.monotonicSeconds()
                let done = try fileStage(stage.stagePK, pacing: pacing, peopleFromEvents: true, progress: nil)
                finished.append(
                    ImportSummary(
                        kind: ImportKind.events.rawValue, file: done.file, format: done.format, counts: done.counts,
                        seconds: WallClock.monotonicSeconds() - started, rejectsFile: done.rejectsFile))
            } else {
                try discardStage(stage.stagePK, pacing: pacing)
            }
        }
        return finished
    }

    /// Files a published stage slice by slice, recounts favourite categories, and ends the
    /// stage with its job and audit rows, in the transaction that deletes it.
    private func fileStage(
        _ stagePK: Int64, pacing: StagedImportPacing, peopleFromEvents: Bool = false, progress: ((Int) -> Void)?
    ) throws -> ImportStaging.Stage {
        var sizer = SliceSizer(pacing: pacing)
        var people = Set<Int64>()
        var filed = 0
        var more = true
        while more {
            let began = WallClock.monotonicSeconds()
            let step = try paced(pacing) {
                try database.writer.write(checking: .trusted) { db in try ImportStaging.file(stagePK: stagePK, rows: sizer.rows, in: db) }
            }
            sizer.record(rows: step.filed, seconds: WallClock.monotonicSeconds() - began - pacing.pause)
            people.formUnion(step.people)
            filed += step.filed
            progress?(filed)
            more = step.rowsRemain
        }
        if peopleFromEvents {
            people.formUnion(try database.writer.read { db in try ImportStaging.peopleFiled(stagePK: stagePK, in: db) })
        }
        let everyone = people.sorted()
        for start in stride(from: 0, to: everyone.count, by: 2_000) {
            let chunk = Array(everyone[start..<min(start + 2_000, everyone.count)])
            let counted = try database.writer.read { db in try ProfileStore.countFavouriteCategories(of: chunk, in: db) }
            try paced(pacing) { try database.writer.write { db in try ProfileStore.store(counted, in: db) } }
        }
        return try paced(pacing) { try database.writer.write { db in
            let stage = try ImportStaging.finish(stagePK: stagePK, in: db)
            let summary = ImportSummary(
                kind: ImportKind.events.rawValue, file: stage.file, format: stage.format, counts: stage.counts,
                seconds: Double(clock.now() - stage.startedMs) / 1000, rejectsFile: stage.rejectsFile)
            var details = Self.details(of: summary)
            details["staged"] = true
            try JobStore.insert(
                .init(kind: "import_events", status: "succeeded", startedMs: stage.startedMs, finishedMs: clock.now(), details: details),
                in: db)
            try AuditLog.append(action: "import_events", actor: actor, details: details, in: db, nowMs: clock.now())
            return stage
        } }
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
