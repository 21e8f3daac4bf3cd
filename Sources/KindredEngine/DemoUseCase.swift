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
        let names = try FileManager.default.contentsOfDirectory(atPath: directory).sorted()
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
