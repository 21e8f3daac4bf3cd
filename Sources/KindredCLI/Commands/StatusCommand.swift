import ArgumentParser
import Foundation
import KindredEngine
import KindredStore

struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show what the database holds: rows per table, events per type, size, schema, last import, active model.")

    @OptionGroup var global: GlobalOptions

    @Flag(help: "Print as JSON.")
    var json = false

    func run() throws {
        let location = global.location
        let status = try Engine.open(at: location).status()
        print(json ? try JSONOutput.encode(status) : StatusText.render(status, path: location.databasePath))
    }
}

/// The human form of `kindred status`.
enum StatusText {
    static func render(_ status: DatabaseStatus, path: String) -> String {
        var lines: [String] = []
        lines.append("database      \(path) (\(megabytes(status.databaseBytes)), schema version \(status.schemaVersion))")
        let events = status.tableRows["events"] ?? 0
        if let first = status.firstEventMs, let last = status.lastEventMs {
            lines.append(
                "events        \(Grouped.int(events)) from \(day(first)) to \(day(last)) (\(Grouped.int(status.anonymousEvents)) anonymous)"
            )
        } else {
            lines.append("events        none yet (import some with `kindred import events FILE`)")
        }
        for (type, count) in status.eventsByType.sorted(by: { $0.value > $1.value }) {
            lines.append("  \(type.padding(toLength: 18, withPad: " ", startingAt: 0))\(Grouped.int(count))")
        }
        lines.append("tables")
        for table in StatusQueries.tables {
            lines.append("  \(table.padding(toLength: 18, withPad: " ", startingAt: 0))\(Grouped.int(status.tableRows[table] ?? 0))")
        }
        if let last = status.lastImport {
            lines.append(
                "last import   \(last.kind.replacingOccurrences(of: "import_", with: "")) from \(last.file ?? "?") at \(TimestampFormatter.iso8601(milliseconds: last.finishedMs)) (\(Grouped.int(last.imported)) rows)"
            )
        } else {
            lines.append("last import   none")
        }
        if let model = status.activeModel {
            lines.append(
                "active model  version \(model.version), \(model.algorithm), trained \(TimestampFormatter.iso8601(milliseconds: model.createdMs))"
            )
        } else {
            lines.append("active model  none")
        }
        return lines.joined(separator: "\n")
    }

    static func megabytes(_ bytes: Int64) -> String { String(format: "%.1f MB", Double(bytes) / 1_048_576) }
    static func day(_ ms: Int64) -> String { String(TimestampFormatter.iso8601(milliseconds: ms).prefix(10)) }
}
