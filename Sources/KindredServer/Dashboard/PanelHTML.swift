import KindredEngine
import KindredStore

/// One panel as HTML: its chart (or figures, or table), a text alternative, the query that
/// produced it in a `<details>`, a CSV link, and the numbers as a sortable table.
enum PanelHTML {
    /// `csvLink` is where the panel's CSV downloads from.
    static func render(_ panel: DashboardPanel, csvLink: String) -> String {
        let result = panel.result
        let wide: Bool
        switch panel.chart {
        case .table, .comparison: wide = true
        case .linesByGroup, .bandsByGroup: wide = Set(result.values(group(of: panel.chart)).map(\.text)).count > 4
        default: wide = false
        }
        var html = "<section class=\"panel\(wide ? " wide" : "")\" id=\"\(HTMLText.escape(panel.id))\" data-panel=\"\(HTMLText.escape(panel.id))\">"
        html += "<h2>\(HTMLText.escape(panel.title))</h2>"
        html += "<p class=\"note\">\(HTMLText.escape(panel.note))</p>"
        var tableShown = false
        switch panel.chart {
        case .table:
            html += table(result, id: panel.id)
            tableShown = true
        case .comparison(let figures):
            html += comparison(result, figures: figures)
        case .lines(let x, let series, let format):
            html += SVGChart.lines(
                id: panel.id, title: panel.title, x: result.values(x).map(\.text),
                series: series.map { SVGChart.Series(name: $0, column: $0, values: result.values($0), rows: result.rows.indices.map { $0 }) },
                format: format)
            html += legend(series)
        case .linesByGroup(let x, let group, let value, let format):
            html += groupedLines(panel, x: x, group: group, value: value, band: nil, format: format)
        case .bandsByGroup(let x, let group, let value, let low, let high, let format):
            html += groupedLines(panel, x: x, group: group, value: value, band: (low, high), format: format)
        case .bars(let label, let value, let format):
            html += SVGChart.bars(
                id: panel.id, title: panel.title, labels: result.values(label).map(\.text), values: result.values(value), column: value,
                format: format)
        case .intervals(let label, let estimate, let low, let high, let format):
            let metrics = result.index(of: "metric").map { index in result.rows.map { $0[index].text } }
            let labels = result.values(label).enumerated().map { index, cell in
                metrics.map { "\($0[index]) · \(cell.text)" } ?? cell.text
            }
            // The baseline (the control) has no effect of its own: it is the zero line.
            let estimates = result.values(estimate)
            let rows = labels.indices.filter { estimates[$0] != .null }.map { index in
                SVGChart.Interval(
                    row: index, label: labels[index], estimate: result.rows[index][result.index(of: estimate)!],
                    low: result.rows[index][result.index(of: low)!], high: result.rows[index][result.index(of: high)!],
                    columns: (estimate, low, high))
            }
            html += SVGChart.intervals(id: panel.id, title: panel.title, rows: rows, format: format)
        }
        html += "<div class=\"panel-tools\">"
        html += "<details class=\"sql\"><summary>Show SQL</summary><pre><code>\(HTMLText.escape(panel.query.sql))</code></pre>"
        html += "<p class=\"hint\">Run it at the <code>sqlite3</code> prompt on this shop's file for the same rows.</p></details>"
        if !tableShown {
            html += "<details class=\"numbers\"><summary>Numbers (\(result.rows.count) rows)</summary>\(table(result, id: panel.id))</details>"
        }
        html += "<a class=\"csv\" href=\"\(HTMLText.escape(csvLink))\" download>CSV</a>"
        html += "</div></section>"
        return html
    }

    private static func group(of chart: PanelChart) -> String {
        if case .linesByGroup(_, let group, _, _) = chart { return group }
        if case .bandsByGroup(_, let group, _, _, _, _) = chart { return group }
        return ""
    }

    /// The result as a table whose every cell keeps its raw value in `data-value`.
    static func table(_ result: QueryResult, id: String) -> String {
        guard !result.rows.isEmpty else { return "<p class=\"empty\">No rows.</p>" }
        var html = "<div class=\"table-wrap\"><table class=\"sortable\" data-table=\"\(HTMLText.escape(id))\"><thead><tr>"
        for column in result.columns { html += "<th scope=\"col\">\(HTMLText.escape(column))</th>" }
        html += "</tr></thead><tbody>"
        for row in result.rows {
            html += "<tr>"
            for (index, cell) in row.enumerated() {
                let numeric: Bool
                switch cell {
                case .integer, .real: numeric = true
                default: numeric = false
                }
                html += "<td\(numeric ? " class=\"num\"" : "") data-value=\"\(HTMLText.escape(cell.text))\">\(HTMLText.escape(ValueText.cell(cell, column: result.columns[index])))</td>"
            }
            html += "</tr>"
        }
        return html + "</tbody></table></div>"
    }

    /// This period's figures as tiles, each with its change against the previous period.
    static func comparison(_ result: QueryResult, figures: [(column: String, format: ValueFormat)]) -> String {
        guard result.rows.count == 2 else { return table(result, id: "comparison") }
        var html = "<dl class=\"tiles\">"
        for figure in figures {
            guard let index = result.index(of: figure.column) else { continue }
            let now = result.rows[0][index]
            let before = result.rows[1][index]
            var change = "no previous figure"
            var trend = "flat"
            if let a = now.number, let b = before.number {
                if b != 0 {
                    let relative = (a - b) / abs(b)
                    change = (relative >= 0 ? "+" : "") + ValueText.percent(relative) + " vs previous"
                    trend = relative > 0.005 ? "up" : relative < -0.005 ? "down" : "flat"
                } else {
                    change = a == 0 ? "same as previous" : "previous was 0"
                }
            }
            let arrow = trend == "up" ? "▲ " : trend == "down" ? "▼ " : ""
            html += "<div class=\"tile\"><dt>\(HTMLText.escape(label(figure.column)))</dt>"
            html += "<dd class=\"figure\" data-column=\"\(HTMLText.escape(figure.column))\" data-value=\"\(HTMLText.escape(now.text))\" data-previous=\"\(HTMLText.escape(before.text))\">\(HTMLText.escape(ValueText.format(now.number, figure.format)))</dd>"
            html += "<dd class=\"change \(trend)\">\(arrow)\(HTMLText.escape(change)) (\(HTMLText.escape(ValueText.format(before.number, figure.format))))</dd></div>"
        }
        return html + "</dl>"
    }

    /// A column's name as a heading: underscores become spaces, abbreviations keep their case.
    static func label(_ column: String) -> String {
        let words = column.split(separator: "_").map { word in ["ctr", "srm", "ndcg"].contains(word) ? word.uppercased() : String(word) }
        let text = words.joined(separator: " ")
        return text.prefix(1).uppercased() + text.dropFirst()
    }

    static func legend(_ names: [String]) -> String {
        var html = "<ul class=\"legend\">"
        for (index, name) in names.enumerated() {
            let dash = ChartPalette.dash(index)
            html += "<li><svg width=\"28\" height=\"10\" aria-hidden=\"true\"><line x1=\"0\" x2=\"28\" y1=\"5\" y2=\"5\" stroke=\"\(ChartPalette.colour(index))\" stroke-width=\"3\"\(dash.isEmpty ? "" : " stroke-dasharray=\"\(dash)\"")/></svg>\(HTMLText.escape(name))</li>"
        }
        return html + "</ul>"
    }

    /// Lines of a long-format result, one per group: in one chart for a few groups, as small
    /// multiples (one small chart each, same x axis) for more.
    static func groupedLines(
        _ panel: DashboardPanel, x: String, group: String, value: String, band: (low: String, high: String)?, format: ValueFormat
    ) -> String {
        let result = panel.result
        guard let xIndex = result.index(of: x), let groupIndex = result.index(of: group), let valueIndex = result.index(of: value) else {
            return table(result, id: panel.id)
        }
        var labels: [String] = []
        var groups: [String] = []
        var cells: [String: [String: (cell: QueryCell, row: Int)]] = [:]
        for (index, row) in result.rows.enumerated() {
            let label = row[xIndex].text
            let name = row[groupIndex].text
            if !labels.contains(label) { labels.append(label) }
            if !groups.contains(name) { groups.append(name) }
            cells[name, default: [:]][label] = (row[valueIndex], index)
        }
        labels.sort()
        let lowIndex = band.flatMap { result.index(of: $0.low) }
        let highIndex = band.flatMap { result.index(of: $0.high) }
        let series = groups.map { name in
            let rows = labels.map { cells[name]?[$0]?.row }
            var line = SVGChart.Series(name: name, column: value, values: labels.map { cells[name]?[$0]?.cell ?? .null }, rows: rows)
            if let band, let lowIndex, let highIndex {
                line.band = SVGChart.Band(
                    lowColumn: band.low, highColumn: band.high, low: rows.map { $0.map { result.rows[$0][lowIndex] } ?? .null },
                    high: rows.map { $0.map { result.rows[$0][highIndex] } ?? .null })
            }
            return line
        }
        if groups.count <= 4 {
            return SVGChart.lines(id: panel.id, title: panel.title, x: labels, series: series, format: format) + legend(groups)
        }
        var html = "<div class=\"multiples\">"
        for (index, line) in series.enumerated() {
            html += "<div class=\"multiple\"><h3>\(HTMLText.escape(line.name))</h3>"
            html += SVGChart.lines(id: "\(panel.id)-\(index)", title: "\(panel.title): \(line.name)", x: labels, series: [line], format: format, height: 170)
            html += "</div>"
        }
        return html + "</div>"
    }
}
