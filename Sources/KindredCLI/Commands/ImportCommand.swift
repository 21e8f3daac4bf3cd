import ArgumentParser
import Foundation
import KindredEngine
import KindredStore

struct ImportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Import a catalog, event log, consent records or another system's bandit log.",
        discussion: """
            Each import runs in one transaction. By default it is all-or-nothing: the first errors are printed as FILE:LINE: field: problem, the exit status is 65, and the database is unchanged. With --skip-bad the good rows are imported and the bad ones are written, with reasons, to a rejects file.

            Imports are idempotent: importing a file twice, or two exports that overlap, stores each event and consent decision once. Catalog rows are upserts.
            """,
        subcommands: [CatalogImport.self, EventsImport.self, ConsentsImport.self, ImpressionsImport.self])
}

/// Options shared by the three import commands.
struct ImportOptions: ParsableArguments {
    @OptionGroup var global: GlobalOptions

    @Argument(help: "The file to import (.csv, or .jsonl/.ndjson for JSON Lines).")
    var file: String

    @Option(help: "csv or jsonl (default: from the file name).")
    var format: String?

    @Option(
        help: ArgumentHelp(
            "Read fields from differently named columns, e.g. user_id=CustomerID,ts=InvoiceDate.",
            valueName: "field=Column,..."))
    var map: String?

    @Flag(help: "Import the good rows and write the bad ones to a rejects file instead of refusing the file.")
    var skipBad = false

    @Option(help: ArgumentHelp("Where --skip-bad writes rejected rows (default: ./<file name>.rejects.csv).", valueName: "path"))
    var rejects: String?

    @Flag(help: "Print the summary as JSON.")
    var json = false

    func validate(kind: ImportKind) throws {
        if let format, FileFormat(rawValue: format.lowercased()) == nil {
            throw ValidationError("--format must be csv or jsonl, not '\(format)'")
        }
        if let map {
            do { _ = try FieldMapping(parsing: map, kind: kind) } catch { throw ValidationError(error.description) }
        }
        if rejects != nil, !skipBad { throw ValidationError("--rejects only makes sense with --skip-bad") }
    }

    func run(kind: ImportKind, constantType: EventType? = nil) throws {
        let engine = try Engine.open(at: global.location)
        let rejectsPath = rejects ?? ((file as NSString).lastPathComponent + ".rejects.csv")
        let request = ImportRequest(
            kind: kind, fileName: file,
            format: format.flatMap { FileFormat(rawValue: $0.lowercased()) } ?? FileFormat.detect(path: file),
            mapping: try map.map { try FieldMapping(parsing: $0, kind: kind) } ?? FieldMapping(),
            constantType: constantType, skipBad: skipBad, rejectsPath: skipBad ? rejectsPath : nil)
        let summary = try engine.importFile(
            at: file, request: request, progress: Terminal.progressBar(label: "importing \(kind.rawValue)"),
            notice: { Terminal.note($0) })
        if json {
            print(try JSONOutput.encode(summary))
        } else {
            print(ImportSummaryText.table(summary))
        }
    }
}

struct CatalogImport: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "catalog",
        abstract: "Import or update products.",
        discussion: "Fields: " + FieldHelp.list(.catalog) + """


            Columns that are not Kindred fields are kept in the item's attributes (JSON), except columns whose names say they identify people (customer, user, email, ...), which are dropped. An empty cell leaves the stored value unchanged; the last row for an item wins.
            """)

    @OptionGroup var options: ImportOptions

    func validate() throws { try options.validate(kind: .catalog) }
    func run() throws { try options.run(kind: .catalog) }
}

struct EventsImport: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "events",
        abstract: "Import events (views, clicks, carts, purchases, ...).",
        discussion: "Fields: " + FieldHelp.list(.events) + """


            User ids are replaced by their pseudonyms before anything is stored; rows without a user are kept as anonymous events. A purchase with a negative quantity (a cancellation) becomes a return. Items not yet in the catalog are created.

            Example (the UCI Online Retail log):
              kindred import events online-retail.csv --type purchase \\
                --map user_id=CustomerID,item_id=StockCode,ts=InvoiceDate,session_id=InvoiceNo,value=Quantity,price=UnitPrice,country=Country
            """)

    @OptionGroup var options: ImportOptions

    @Option(help: ArgumentHelp("Every row is an event of this type (the file needs no type column).", valueName: "type"))
    var type: String?

    func validate() throws {
        try options.validate(kind: .events)
        if let type, EventType(rawValue: type) == nil {
            throw ValidationError("--type must be one of \(EventType.allCases.map(\.rawValue).joined(separator: ", ")), not '\(type)'")
        }
    }

    func run() throws { try options.run(kind: .events, constantType: type.flatMap(EventType.init(rawValue:))) }
}

struct ConsentsImport: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "consents",
        abstract: "Import consent decisions (append-only history per user and purpose).",
        discussion: "Fields: " + FieldHelp.list(.consents))

    @OptionGroup var options: ImportOptions

    func validate() throws { try options.validate(kind: .consents) }
    func run() throws { try options.run(kind: .consents) }
}

/// Field lists for help texts, from the same definitions the importer uses.
enum FieldHelp {
    static func list(_ kind: ImportKind) -> String {
        "\n"
            + kind.fields.map { field in
                let aliases = field.aliases.isEmpty ? "" : " (also: \(field.aliases.joined(separator: ", ")))"
                return "  \(field.name)\(aliases): \(field.summary)"
            }.joined(separator: "\n")
    }
}
