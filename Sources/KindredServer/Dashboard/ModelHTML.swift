import KindredEngine
import KindredStore

/// The models page's table, with a button on each version that could serve.
enum ModelHTML {
    static func table(_ result: QueryResult, csrf: String) -> String {
        guard !result.rows.isEmpty else {
            return "<p class=\"panel\">No model yet: <code>kindred train</code>, or wait for the hourly retrain.</p>"
        }
        var html = "<section class=\"panel\" id=\"versions\"><h2>Versions</h2><div class=\"table-wrap\"><table class=\"sortable\"><thead><tr>"
        let shown = ["version", "algorithm", "status", "status_reason", "trained_at", "activated_at", "validation_ndcg", "exposure_gini", "long_tail_share"]
        for column in shown { html += "<th scope=\"col\">\(HTMLText.escape(column))</th>" }
        html += "<th>serve</th></tr></thead><tbody>"
        for row in result.rows.reversed() {
            html += "<tr>"
            for column in shown {
                let cell = result.index(of: column).map { row[$0] } ?? .null
                html += "<td data-value=\"\(HTMLText.escape(cell.text))\">\(HTMLText.escape(ValueText.cell(cell, column: column)))</td>"
            }
            let version = result.index(of: "version").map { row[$0].text } ?? ""
            let status = result.index(of: "status").map { row[$0].text } ?? ""
            if ["ready", "retired"].contains(status) {
                let label = status == "retired" ? "Roll back to this" : "Activate"
                html += "<td><form method=\"post\" action=\"\(DashboardPath.base)/models/\(HTMLText.escape(version))/activate\"><input type=\"hidden\" name=\"csrf\" value=\"\(HTMLText.escape(csrf))\"><button type=\"submit\">\(label)</button></form></td>"
            } else {
                html += "<td>\(status == "active" ? "serving" : "–")</td>"
            }
            html += "</tr>"
        }
        return html + "</tbody></table></div></section>"
    }
}
