import ArgumentParser
import Foundation
import KindredEngine

/// `kindred kpis`: click-through, conversion and revenue of recommendations per day, or broken
/// down, from the rollups filing keeps.
struct KPIsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kpis",
        abstract: "Daily click-through, conversion and revenue of recommendations, whole or broken down.",
        discussion: """
            Reads the rollups that filing and imports keep (table kpi_rollups; views daily_kpis and daily_kpis_by for the sqlite3 prompt), so it answers in milliseconds however many events the shop has. Days are UTC. ctr is clicks that carry a logged response's request id per item shown; conversion is purchases that carry one per such click; revenue is price x quantity of purchases less returns. Breakdowns by surface, position, model and variant count only events that followed a logged response. Without --from and --to: the 30 days that end on the latest day counted.
            """)
    @OptionGroup var global: GlobalOptions
    @Option(help: ArgumentHelp("Break down by device, country, category, surface, position, model or variant.", valueName: "dimension"))
    var by: String?
    @Option(help: ArgumentHelp("First day, YYYY-MM-DD (UTC).", valueName: "date")) var from: String?
    @Option(help: ArgumentHelp("Last day, YYYY-MM-DD (UTC).", valueName: "date")) var to: String?
    @Flag(help: "With --by: a row per day and value, not per value for the whole period.") var daily = false
    @Flag(help: "Recount the rollups from the events and impressions stored now (audited), then report.") var rebuild = false
    @Flag(help: "Print as JSON.") var json = false

    func query() throws -> KPIQuery {
        do { return try KPIQuery.parse(by: by, from: from, to: to, daily: daily) } catch {
            throw ValidationError("--\(error.field ?? "by"): \(error.message)")
        }
    }

    func validate() throws { _ = try query() }

    func run() throws {
        let engine = try Engine.open(at: global.location)
        var rebuilt: Int?
        if rebuild { rebuilt = try engine.rebuildKPIs() }
        let report = try engine.kpis(try query())
        if json {
            print(try JSONOutput.encode(report))
        } else {
            if let rebuilt { print("rebuilt kpi_rollups: \(Grouped.int(rebuilt)) rows\n") }
            print(KPIText.render(report))
        }
    }
}

/// The report as a table people read.
enum KPIText {
    static func render(_ report: KPIReport) -> String {
        let breakdown = report.by.map { " by \($0.rawValue)" + (report.daily ? ", per day" : "") } ?? ", per day"
        var lines = ["KPIs \(report.from) to \(report.to) (UTC)\(breakdown)", ""]
        var header = [String]()
        if report.by == nil || report.daily { header.append("day") }
        if let by = report.by { header.append(by.rawValue) }
        header += ["lists", "shown", "rec clicks", "ctr", "rec purchases", "conversion", "rec revenue", "share", "events", "revenue"]
        var rows = [header]
        func cells(_ row: KPIRow) -> [String] {
            [
                row.lists.map(Grouped.int) ?? "", Grouped.int(row.impressions), Grouped.int(row.recommendationClicks), percent(row.ctr),
                Grouped.int(row.recommendationPurchases), percent(row.conversion), money(row.recommendationRevenue), percent(row.revenueShare),
                Grouped.int(row.events), money(row.revenue),
            ]
        }
        for row in report.rows {
            var line = [String]()
            if report.by == nil || report.daily { line.append(row.day ?? "") }
            if report.by != nil { line.append(row.value.map { $0.isEmpty ? "(none)" : $0 } ?? "") }
            rows.append(line + cells(row))
        }
        rows.append(Array(repeating: "", count: header.count - 10).enumerated().map { $0.offset == 0 ? "whole shop" : "" } + cells(report.totals))
        lines += ExperimentAnalysisText.table(rows)
        if report.rows.isEmpty { lines.append("(nothing counted in this period)") }
        lines.append("")
        lines.append("ctr = rec clicks / shown; conversion = rec purchases / rec clicks; share = rec revenue / revenue")
        if report.by.map({ [.surface, .position, .model, .variant].contains($0) }) ?? false {
            lines.append("events by \(report.by!.rawValue) are only those that followed a logged response")
        }
        if report.eventsWaiting > 0 {
            lines.append("\(Grouped.int(report.eventsWaiting)) acknowledged events are not filed yet and not counted yet")
        }
        return lines.joined(separator: "\n")
    }

    static func percent(_ value: Double?) -> String { value.map { String(format: "%.2f%%", $0 * 100) } ?? "" }
    static func money(_ value: Double) -> String { String(format: "%.2f", value) }
}
