import Foundation

/// Human-readable renderings of an import summary, shared by the CLI and the demo.
public enum ImportSummaryText {
    public static func oneLine(_ summary: ImportSummary) -> String {
        let c = summary.counts
        var text =
            "\(summary.kind): \((summary.file as NSString).lastPathComponent): \(Grouped.int(c.rowsRead)) rows, "
            + "\(Grouped.int(c.imported)) imported, \(Grouped.int(c.duplicates)) duplicates, \(Grouped.int(c.rejected)) rejected"
        if c.anonymized > 0 { text += ", \(Grouped.int(c.anonymized)) stored without the person (no analytics consent)" }
        if c.withheld > 0 { text += ", \(Grouped.int(c.withheld)) not stored (no analytics consent)" }
        text += String(format: " in %.2f s", summary.seconds)
        return text
    }

    public static func table(_ summary: ImportSummary) -> String {
        let c = summary.counts
        let unit = summary.kind == "catalog" ? "rows applied" : (summary.kind == "events" ? "events" : "decisions")
        var lines = ["imported \(summary.kind) from \(summary.file) (\(summary.format))"]
        lines.append("  rows read    \(Grouped.int(c.rowsRead))")
        var imported = "  imported     \(Grouped.int(c.imported)) \(unit)"
        var extras: [String] = []
        if c.newUsers > 0 { extras.append("\(Grouped.int(c.newUsers)) new users") }
        if c.newItems > 0 { extras.append("\(Grouped.int(c.newItems)) new items") }
        if c.updatedItems > 0 { extras.append("\(Grouped.int(c.updatedItems)) items updated") }
        if !extras.isEmpty { imported += " (\(extras.joined(separator: ", ")))" }
        lines.append(imported)
        lines.append("  duplicates   \(Grouped.int(c.duplicates))")
        if c.anonymized > 0 {
            lines.append("  anonymized   \(Grouped.int(c.anonymized)) (stored without the person: no analytics consent)")
        }
        if c.withheld > 0 { lines.append("  withheld     \(Grouped.int(c.withheld)) (not stored: no analytics consent)") }
        lines.append("  rejected     \(Grouped.int(c.rejected))" + (summary.rejectsFile.map { " (see \($0))" } ?? ""))
        lines.append(
            String(format: "  time         %.2f s", summary.seconds) + " (\(Grouped.int(Int(summary.rowsPerSecond.rounded()))) rows/s)")
        return lines.joined(separator: "\n")
    }
}

/// Thousands separators for figures people read.
public enum Grouped {
    public static func int(_ value: Int) -> String {
        let digits = String(value.magnitude)
        var out = ""
        for (index, char) in digits.enumerated() {
            if index > 0, (digits.count - index) % 3 == 0 { out.append(",") }
            out.append(char)
        }
        return (value < 0 ? "-" : "") + out
    }
}
