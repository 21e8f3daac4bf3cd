import Foundation
import KindredStore

/// Builds a fresh demo database from the sample shop in `sample-data/`, so that a new user
/// sees the whole product work with one command.
public enum DemoUseCase {
    public static let defaultDatabasePath = "kindred-demo.sqlite"

    public struct Report: Sendable {
        public var imports: [ImportSummary]
        public var status: DatabaseStatus
    }

    /// The sample files in the order a shop would import them: catalog, monthly event logs,
    /// recent tracker events, consent decisions.
    public static func sampleFiles(in directory: String) throws -> (catalog: String, events: [String], consents: String) {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue,
            let listed = try? FileManager.default.contentsOfDirectory(atPath: directory)
        else {
            throw DataError(file: directory, message: "no such directory (name a sample shop with --data, or leave it out)")
        }
        let names = listed.sorted()
        func path(_ name: String) -> String { (directory as NSString).appendingPathComponent(name) }
        guard names.contains("catalog.csv"), names.contains("consents.csv") else {
            throw DataError(file: directory, message: "not a sample shop directory (expected catalog.csv, events-*.csv and consents.csv)")
        }
        let events = names.filter { $0.hasPrefix("events-") && ($0.hasSuffix(".csv") || $0.hasSuffix(".jsonl")) }
            .sorted { lhs, rhs in
                // Monthly CSV files first, in date order, then the recent JSONL export.
                (lhs.hasSuffix(".jsonl") ? 1 : 0, lhs) < (rhs.hasSuffix(".jsonl") ? 1 : 0, rhs)
            }
        return (path("catalog.csv"), events.map(path), path("consents.csv"))
    }

    /// The directory that shipped with the repository; the demo looks for it where it runs.
    public static let defaultDataDirectory = "sample-data"

    /// Where the demo's sample shop is: `directory` when given (and it must exist); otherwise
    /// `sample-data/` where the command runs, or, when the binary runs anywhere else, the same
    /// shop written afresh into a temporary folder (the generator's defaults write byte for
    /// byte the files the repository ships: a test holds the two together). The caller removes
    /// a temporary folder when done.
    public static func sampleShop(
        at directory: String?, lookingIn workingDirectory: String = FileManager.default.currentDirectoryPath, log: (String) -> Void
    ) throws -> (directory: String, temporary: Bool) {
        if let directory { return (directory, false) }
        let shipped = (workingDirectory as NSString).appendingPathComponent(defaultDataDirectory)
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: shipped, isDirectory: &isDirectory), isDirectory.boolValue {
            return (shipped, false)
        }
        let folder = (NSTemporaryDirectory() as NSString).appendingPathComponent("kindred-sample-shop-\(UUID().uuidString)")
        _ = try SampleShopFiles.write(SampleShopGenerator(configuration: .init()).generate(), to: folder)
        log("no \(defaultDataDirectory)/ here: wrote the sample shop the repository ships (kindred generate's defaults) to \(folder)")
        return (folder, true)
    }

    /// Replaces the demo database at `location` (refusing to touch any other database) and
    /// imports the sample shop into it, reporting each step through `log`.
    public static func run(
        dataDirectory: String, location: DatabaseLocation, clock: WallClock = .system,
        log: (String) -> Void, progress: ((Int, Int) -> Void)? = nil
    ) throws -> (engine: Engine, report: Report) {
        let files = try sampleFiles(in: dataDirectory)
        try removePreviousDemo(at: location)
        let (engine, _) = try Engine.create(at: location, clock: clock, actor: "demo")
        try engine.database.writer.write { db in
            try SettingsStore.set("demo", to: "1", in: db, nowMs: clock.now())
        }
        log("created \(location.databasePath) with a new pseudonymization key in \(location.keyPath)")
        var imports: [ImportSummary] = []
        let plan: [(ImportKind, String)] = [(.catalog, files.catalog)] + files.events.map { (.events, $0) } + [(.consents, files.consents)]
        for (kind, file) in plan {
            let request = ImportRequest(kind: kind, fileName: file, format: FileFormat.detect(path: file))
            let summary = try engine.importFile(at: file, request: request, progress: progress)
            log(ImportSummaryText.oneLine(summary))
            imports.append(summary)
        }
        return (engine, Report(imports: imports, status: try engine.status()))
    }

    private static func removePreviousDemo(at location: DatabaseLocation) throws {
        guard FileManager.default.fileExists(atPath: location.databasePath) else { return }
        guard KindredDatabase.peekSetting("demo", at: location.databasePath) == "1" else {
            throw StoreError.databaseExists(path: location.databasePath + " (not a demo database)")
        }
        for suffix in ["", "-wal", "-shm"] {
            try? FileManager.default.removeItem(atPath: location.databasePath + suffix)
        }
        try? FileManager.default.removeItem(atPath: location.keyPath)
    }
}
