import ArgumentParser
import Foundation
import KindredEngine
import KindredLearning
import KindredStore

/// `kindred events`: the event log as a whole (`kindred export USER` is one person's data).
struct EventsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "events", abstract: "Work with the event log as a whole.", subcommands: [EventsExportCommand.self])
}

struct EventsExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write the events training learns from to a folder Spark (or any engine) reads: one file per day and a manifest.",
        discussion: """
            Files: <out>/events/day=YYYY-MM-DD/part-00000.csv (or .jsonl), the layout Spark reads with a day column, and <out>/manifest.json with the schema, each file's rows, bytes and SHA-256, the data window (data_max_event_pk, data_from_ms, data_to_ms), the weights and the validation split. Columns: person (a pseudonym, or ~session-N for an anonymous visit; raw ids never leave, as they never enter), item, type, value, ts_ms, weight (what training gives the event) and validation_weight (its weight in the validation fit; 0 when held out). Only people whose personalization consent allows training are exported. The folder must be new or empty; it appears whole or not at all.

            Parquet is not written: no well-kept Swift library writes it, and Spark reads csv and jsonl natively (convert with spark.read.csv(...).write.parquet(...) when a warehouse wants Parquet).
            """)

    @OptionGroup var global: GlobalOptions
    @OptionGroup var learning: LearningOptions

    @Option(help: ArgumentHelp("The folder to write (new or empty).", valueName: "dir"))
    var out: String

    @Option(help: ArgumentHelp("csv or jsonl (parquet is refused, see below).", valueName: "format"))
    var format = "csv"

    @Option(help: ArgumentHelp("Only events on or after this date (UTC), e.g. 2026-11-01.", valueName: "date"))
    var since: String?

    @Option(help: "Length of the validation period the validation_weight column follows, in days (0: none).")
    var validationDays = 30

    @Option(help: ArgumentHelp("Event types that make an item relevant in the validation period.", valueName: "type,..."))
    var relevant = "purchase,add_to_cart"

    @Flag(help: "Print as JSON.")
    var json = false

    func validate() throws {
        if format == "parquet" {
            throw ValidationError(
                "--format parquet: Kindred writes no Parquet (no well-kept Swift library writes it); use csv or jsonl, which Spark reads natively"
            )
        }
        guard EventExportFormat(rawValue: format) != nil else { throw ValidationError("--format must be csv or jsonl, not '\(format)'") }
        if let since, case .failure = TimestampParser.parse(since) {
            throw ValidationError("--since: '\(since)' is not a date (2026-11-01) or a timestamp")
        }
        guard validationDays >= 0 else { throw ValidationError("--validation-days cannot be negative (0: no validation split)") }
        try RelevantEvents.validate(relevant)
        _ = try learning.eventWeights()
    }

    func run() throws {
        let engine = try Engine.open(at: global.location)
        var options = EventExportOptions(folder: out)
        options.format = EventExportFormat(rawValue: format)!
        if let since, case .success(let parsed) = TimestampParser.parse(since) { options.sinceMs = parsed.milliseconds }
        options.weights = try learning.eventWeights()
        options.includeAnonymousSessions = learning.anonymousSessions
        options.validationDays = validationDays
        options.relevantKinds = RelevantEvents.kinds(relevant)
        options.split = learning.split
        options.seed = learning.seed
        let report = try engine.exportEvents(
            options, progress: { if !json, Terminal.stdoutIsTTY { FileHandle.standardError.write(Data("  \($0)...\n".utf8)) } })
        if json {
            print(try JSONOutput.encode(report))
            return
        }
        print(
            "exported \(Grouped.int(report.rows)) events in \(report.partitions) daily files (\(report.format), "
                + "\(Grouped.int(report.bytes)) bytes) to \(report.folder) in \(String(format: "%.2f", report.seconds)) s "
                + "(\(Grouped.int(Int(report.eventsPerSecond))) events/s)")
        print("manifest: \(report.folder)/manifest.json (schema, rows and SHA-256 per file, data window, weights)")
        print("validation_weight follows the \(report.validationSplit) split")
    }
}
