import Foundation
import KindredStore

/// What an import did, as `kindred import` prints it and scripts read it.
public struct ImportSummary: Sendable, Codable, Equatable {
    public var kind: String
    public var file: String
    public var format: String
    public var counts: ImportCounts
    public var seconds: Double
    public var rejectsFile: String?

    public var rowsPerSecond: Double { seconds > 0 ? Double(counts.rowsRead) / seconds : 0 }
}

extension Engine {
    /// Imports one file: all of it or (without `skipBad`) none of it, and a refused import
    /// leaves the database exactly as it was. Into a file nobody serves, in a single
    /// transaction with the job and audit rows. An import into a file that `kindred serve` is
    /// using is staged instead (`importStagedEvents`, `importStagedCatalog`,
    /// `importStagedConsents`), so that the server's writer is never kept waiting for long. Imports take turns (`ImportLock`); `notice` is
    /// told when one waits for another, and about interrupted imports it finished first.
    public func importFile(
        at path: String, request: ImportRequest, progress: ((_ done: Int, _ total: Int) -> Void)? = nil,
        notice: ((String) -> Void)? = nil, pacing: StagedImportPacing = StagedImportPacing()
    ) throws -> ImportSummary {
        try Self.checkPaths(input: path, rejects: request.skipBad ? request.rejectsPath : nil)
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path), options: .alwaysMapped)
        } catch {
            throw DataError(file: path, message: "cannot read the file (\(Self.reason(error)))")
        }
        let importLock = try ImportLock.acquire(for: database.path) { holder in
            notice?("waiting for another import into this database to finish" + (holder.map { " (process \($0))" } ?? ""))
        }
        defer { importLock.release() }
        for finished in try finishStages(pacing: pacing) {
            notice?("finished an interrupted \(finished.kind) import of \(finished.file) (\(finished.counts.imported) rows)")
        }
        // Beside a running server: staged, so that its writer is never kept waiting for long.
        if ServingLock.isHeld(for: database.path) {
            switch request.kind {
            case .events: return try importStagedEvents(at: path, request: request, data: data, pacing: pacing, progress: progress)
            case .catalog: return try importStagedCatalog(at: path, request: request, data: data, pacing: pacing, progress: progress)
            case .consents: return try importStagedConsents(at: path, request: request, data: data, pacing: pacing, progress: progress)
            }
        }
        let started = WallClock.monotonicSeconds()
        let startedMs = clock.now()
        // An event's person and item are found or created in this very transaction, and its
        // type and device parsed into what `event_types` and `device_classes` hold, so SQLite
        // need not check those references row by row (a tenth of an event import's time).
        let checks: ForeignKeyChecks = request.kind == .events ? .trusted : .enforced
        let summary = try database.writer.write(checking: checks) { db -> ImportSummary in
            let counts = try Importer.run(
                request, data: data, in: db, pseudonymizer: database.pseudonymizer, nowMs: startedMs, progress: progress)
            let seconds = WallClock.monotonicSeconds() - started
            let summary = ImportSummary(
                kind: request.kind.rawValue, file: path, format: request.format.rawValue, counts: counts,
                seconds: seconds, rejectsFile: counts.rejected > 0 ? request.rejectsPath : nil)
            let details = Self.details(of: summary)
            try JobStore.insert(
                .init(
                    kind: "import_\(request.kind.rawValue)", status: "succeeded", startedMs: startedMs,
                    finishedMs: clock.now(), details: details),
                in: db)
            try AuditLog.append(action: "import_\(request.kind.rawValue)", actor: actor, details: details, in: db, nowMs: clock.now())
            return summary
        }
        return summary
    }

    static func details(of summary: ImportSummary) -> [String: any Sendable] {
        var details: [String: any Sendable] = [
            "file": summary.file, "format": summary.format, "rows_read": summary.counts.rowsRead,
            "imported": summary.counts.imported, "duplicates": summary.counts.duplicates,
            "anonymized": summary.counts.anonymized, "withheld": summary.counts.withheld,
            "rejected": summary.counts.rejected, "new_users": summary.counts.newUsers,
            "new_items": summary.counts.newItems, "updated_items": summary.counts.updatedItems,
            "seconds": (summary.seconds * 1000).rounded() / 1000,
        ]
        if let rejects = summary.rejectsFile { details["rejects_file"] = rejects }
        if let maxEvent = summary.counts.maxEventPK { details["max_event_pk"] = maxEvent }
        return details
    }

    /// Refuses, before anything is read or written, an input that is not a readable file and a
    /// rejects file that could not be written or would overwrite the input: `--skip-bad` must
    /// never destroy the shop's source data.
    static func checkPaths(input: String, rejects: String?) throws {
        let files = FileManager.default
        var isDirectory: ObjCBool = false
        guard files.fileExists(atPath: input, isDirectory: &isDirectory) else {
            throw DataError(file: input, message: "cannot read the file (no such file)")
        }
        if isDirectory.boolValue { throw DataError(file: input, message: "is a directory; name a CSV or JSON Lines file") }
        guard let rejects else { return }
        let rejectsURL = URL(fileURLWithPath: rejects)
        let inputURL = URL(fileURLWithPath: input)
        func inode(_ path: String) -> UInt64? { (try? files.attributesOfItem(atPath: path))?[.systemFileNumber] as? UInt64 }
        if rejectsURL.standardizedFileURL.resolvingSymlinksInPath() == inputURL.standardizedFileURL.resolvingSymlinksInPath()
            || (inode(rejects) != nil && inode(rejects) == inode(input))
        {
            throw DataError(file: rejects, message: "the rejects file would overwrite the input file; name another path with --rejects")
        }
        if files.fileExists(atPath: rejects, isDirectory: &isDirectory), isDirectory.boolValue {
            throw DataError(file: rejects, message: "the rejects path is a directory; name a file inside it")
        }
        let given = (rejects as NSString).deletingLastPathComponent
        let folder = given.isEmpty ? "." : given
        guard files.fileExists(atPath: folder, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw DataError(file: rejects, message: "the folder \(folder) for the rejects file does not exist")
        }
        guard files.isWritableFile(atPath: folder) else {
            throw DataError(file: rejects, message: "the folder \(folder) for the rejects file is not writable")
        }
    }

    static func reason(_ error: any Error) -> String {
        let nsError = error as NSError
        if let underlying = nsError.userInfo[NSUnderlyingErrorKey] as? NSError, underlying.domain == NSPOSIXErrorDomain {
            return String(cString: strerror(Int32(underlying.code)))
        }
        if nsError.domain == NSCocoaErrorDomain, nsError.code == NSFileReadNoSuchFileError { return "no such file" }
        return nsError.localizedDescription
    }
}
