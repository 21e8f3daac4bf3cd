import ArgumentParser
import Foundation
import KindredEngine

struct BackupCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backup",
        abstract: "Write a consistent copy of the database, even while kindred serve writes to it.",
        discussion: """
            The copy is the database as it was at one moment (SQLite's VACUUM INTO on a read snapshot), compacted, and checked with PRAGMA integrity_check before the command reports success. It holds every event acknowledged before the backup began. The key file is not copied: keep it, separately, with care. Restore with `kindred restore FILE`.
            """)

    @OptionGroup var global: GlobalOptions
    @Argument(help: "The new file to write (it must not exist).") var destination: String
    @Flag(help: "Print the report as JSON.") var json = false

    func run() throws {
        let report = try Engine.open(at: global.location).backup(to: destination)
        if json {
            print(try JSONOutput.encode(report))
        } else {
            print(
                "backed up \(global.location.databasePath) to \(report.file): \(report.copy.events + report.copy.eventsWaiting) events, "
                    + "\(report.copy.users) people, schema version \(report.copy.schemaVersion), \(report.copy.bytes) bytes, integrity ok, "
                    + "\(String(format: "%.2f", report.seconds)) s")
        }
    }
}

struct RestoreCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "restore",
        abstract: "Replace the database with a backup, after checking the backup first.",
        discussion: """
            Refuses, before anything is replaced, a backup that is not an intact Kindred database, whose schema is newer than this kindred, or that was made under another key than the key file (pseudonyms would not match), and refuses while kindred serve runs on the database. The replaced database is kept beside it as DB.before-restore-<time>.
            """)

    @OptionGroup var global: GlobalOptions
    @Argument(help: "The backup file.") var source: String
    @Flag(help: "Print the report as JSON.") var json = false

    func run() throws {
        let report = try Engine.restore(from: source, to: global.location)
        if json {
            print(try JSONOutput.encode(report))
        } else {
            print(
                "restored \(report.database) from \(report.restoredFrom): \(report.copy.events + report.copy.eventsWaiting) events, "
                    + "\(report.copy.users) people, schema version \(report.copy.schemaVersion)"
                    + (report.previousKeptAt.map { "; the database it replaced is kept as \($0)" } ?? ""))
        }
    }
}
