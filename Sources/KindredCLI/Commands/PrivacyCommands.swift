import ArgumentParser
import Foundation
import KindredEngine
import KindredStore

struct SettingsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "settings",
        abstract: "Show or change the settings kept with the data (consent modes, retention, activation margin).",
        discussion: """
            consent.<purpose> is opt-in (processing for the purpose needs the person's consent) or opt-out (it runs until they withdraw); the default is opt-out. consent.events_without_analytics says what becomes of events of people who may not be processed for analytics: anonymize (stored without them, the default) or drop. retention.events_days (default 395) is how long events are kept before `kindred purge` (and the server, daily) folds them into anonymous daily counts. Every change is recorded in the audit log.
            """,
        subcommands: [List.self, Get.self, Set.self], defaultSubcommand: List.self)

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Every setting and its value (defaults marked).")
        @OptionGroup var global: GlobalOptions

        func run() throws {
            for setting in try Engine.open(at: global.location).settings() {
                print("\(setting.key) = \(setting.value)\(setting.isDefault ? "  (default)" : "")")
            }
        }
    }

    struct Get: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "One setting's value.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The setting, e.g. consent.personalization.") var key: String

        func run() throws {
            guard let setting = try Engine.open(at: global.location).settings().first(where: { $0.key == key }) else {
                throw RequestProblem(.notFound, code: "unknown_setting", message: "no setting '\(key)'; `kindred settings` lists them")
            }
            print(setting.value)
        }
    }

    struct Set: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Change a setting (checked, and audited).")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The setting, e.g. consent.personalization.") var key: String
        @Argument(help: "The value, e.g. opt-in.") var value: String

        func run() throws {
            let stored = try Engine.open(at: global.location).setSetting(key, to: value)
            print("\(key) = \(stored)")
        }
    }
}

struct ForgetCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "forget",
        abstract: "Erase a person: every row about them, in one transaction (an erasure request).",
        discussion: """
            Finds every table that refers to users from the schema's foreign keys, deletes the person's rows there and their profile, overwrites the deleted bytes (secure_delete) and checkpoints the WAL, so that neither their id nor their pseudonym remains in the file. The audit log records that an erasure happened and how many rows it removed, not whom it was about. A running server stops using their model vector at once.
            """)

    @OptionGroup var global: GlobalOptions
    @Argument(help: "The shop's id for the person.") var user: String
    @Flag(help: "Print as JSON.") var json = false

    func run() throws {
        let report = try Engine.open(at: global.location).forget(userID: user)
        if json {
            print(try JSONOutput.encode(report))
        } else if report.found {
            let rows = report.deleted.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
            print("forgot the person: deleted \(report.deleted.values.reduce(0, +)) rows (\(rows))")
        } else {
            print("nothing is held about that id; nothing to delete (the request is recorded in the audit log)")
        }
    }
}

struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Everything held about a person as one JSON document (an access request).")

    @OptionGroup var global: GlobalOptions
    @Argument(help: "The shop's id for the person.") var user: String
    @Option(help: ArgumentHelp("Write to this file instead of standard output.", valueName: "path")) var out: String?

    func run() throws {
        let (document, found) = try Engine.open(at: global.location).export(userID: user)
        if !found { FileHandle.standardError.write(Data("nothing is held about that id; the document is empty\n".utf8)) }
        if let out {
            try document.write(to: URL(fileURLWithPath: out))
            FileHandle.standardError.write(Data("wrote \(out)\n".utf8))
        } else {
            FileHandle.standardOutput.write(document)
            print()
        }
    }
}

struct PurgeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "purge",
        abstract: "Delete events older than the retention period, keeping anonymous daily counts.",
        discussion: """
            Events (and logged impressions) from before the start of the day retention.events_days ago (default 395) are folded into event_daily_aggregates (per day, type, item, country and device, with nobody in them) and deleted. The server does this daily by itself.
            """)

    @OptionGroup var global: GlobalOptions
    @Option(help: "Keep this many days instead of the setting.") var days: Int?
    @Flag(help: "Print as JSON.") var json = false

    func validate() throws {
        if let days, days < 1 { throw ValidationError("--days must be at least 1 (set retention.events_days to 0 to keep events forever)") }
    }

    func run() throws {
        let purged = try Engine.open(at: global.location).purge(days: days)
        if json {
            print(try JSONOutput.encode(purged))
        } else if purged.cutoffMs == 0 {
            print("retention is off (retention.events_days = 0); nothing purged")
        } else {
            print(
                "purged \(Grouped.int(purged.events)) events and \(Grouped.int(purged.impressions)) impressions from before \(TimestampFormatter.iso8601(milliseconds: purged.cutoffMs)); \(Grouped.int(purged.aggregateRows)) daily aggregate rows written"
            )
        }
    }
}
