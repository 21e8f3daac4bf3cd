import Foundation
import KindredEngine
import KindredStore

/// Numbers as a shop owner reads them: rates as percentages, money with two decimals, counts
/// with thousands separated.
enum ValueText {
    static func format(_ value: Double?, _ format: ValueFormat) -> String {
        guard let value, value.isFinite else { return "–" }
        switch format {
        case .count: return grouped(value)
        case .rate: return percent(value)
        case .money: return String(format: "%.2f", value)
        case .hours: return value < 48 ? String(format: "%.1f h", value) : String(format: "%.1f days", value / 24)
        case .seconds: return String(format: "%.1f s", value)
        case .plain: return abs(value) >= 100 || value == value.rounded() ? grouped(value) : String(format: "%.4g", value)
        }
    }

    static func percent(_ value: Double) -> String {
        let percent = value * 100
        if percent != 0, abs(percent) < 0.1 { return String(format: "%.3f%%", percent) }
        return String(format: abs(percent) < 10 ? "%.2f%%" : "%.1f%%", percent)
    }

    static func grouped(_ value: Double) -> String {
        guard abs(value) < 1e15 else { return String(format: "%.3g", value) }
        if value != value.rounded() { return String(format: "%.2f", value) }
        let digits = String(Int64(abs(value)))
        var out = ""
        for (index, digit) in digits.enumerated() {
            if index > 0, (digits.count - index) % 3 == 0 { out.append(",") }
            out.append(digit)
        }
        return (value < 0 ? "-" : "") + out
    }

    /// A table cell: numbers formatted by what the column holds, text as stored.
    static func cell(_ cell: QueryCell, column: String) -> String {
        switch cell {
        case .null: return "–"
        case .text(let text): return text
        case .integer(let value):
            if ["version", "model_version", "serving_model", "position", "hour", "audit_pk", "srm_flagged", "clicked", "model"].contains(column)
                || column.hasSuffix("_pk")
            {
                return String(value)
            }
            return grouped(Double(value))
        case .real(let value): return format(value, columnFormat(column))
        }
    }

    /// What a column's name says about its values.
    static func columnFormat(_ column: String) -> ValueFormat {
        if column == "ctr" || column == "conversion" || column.hasSuffix("_share") || column.hasSuffix("_rate") || column.hasPrefix("relative_")
            || column == "traffic_share" || column == "cuped_reduction"
        {
            return .rate
        }
        if column.contains("revenue") { return .money }
        if column.hasSuffix("_hours") { return .hours }
        if column.hasSuffix("_seconds") { return .seconds }
        return .plain
    }
}
