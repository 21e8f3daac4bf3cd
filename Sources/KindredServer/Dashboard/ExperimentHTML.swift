import KindredEngine
import KindredStore

/// The parts of the experiment pages that are not panels: the list's links, and one
/// experiment's design, verdict and buttons.
enum ExperimentHTML {
    static func list(_ result: QueryResult) -> String {
        guard !result.rows.isEmpty else {
            return "<p class=\"panel\">No experiments yet. Create one with <code>kindred experiments create</code> or <code>POST /v1/experiments</code>; it appears here to start, stop and ship.</p>"
        }
        var html = "<nav class=\"panel\" aria-label=\"Experiments\"><h2>Open an experiment</h2><ul>"
        let keys = result.values("key")
        let statuses = result.values("status")
        for index in keys.indices {
            let key = keys[index].text
            html += "<li><a href=\"\(DashboardPath.base)/experiments/\(HTMLText.escape(HTMLText.urlComponent(key)))\">\(HTMLText.escape(key))</a> (\(HTMLText.escape(statuses[index].text)))</li>"
        }
        return html + "</ul></nav>"
    }

    static func header(summary: ExperimentSummary, report: ExperimentReport?, csrf: String) -> String {
        var html = "<section class=\"panel\" id=\"design\" data-status=\"\(HTMLText.escape(summary.status))\"><h2>\(HTMLText.escape(summary.name))</h2>"
        html += "<p>Status: <strong class=\"status\">\(HTMLText.escape(summary.status))</strong> · surface \(HTMLText.escape(summary.surface)) · layer \(HTMLText.escape(summary.layer)) · \(ValueText.percent(summary.trafficShare)) of traffic"
        if let started = summary.startedAt { html += " · started \(HTMLText.escape(started))" }
        if let stopped = summary.stoppedAt { html += " · stopped \(HTMLText.escape(stopped))" }
        if let shipped = summary.shippedVariant { html += " · shipped <strong>\(HTMLText.escape(shipped))</strong>" }
        html += "</p><div class=\"table-wrap\"><table><thead><tr><th>variant</th><th>weight</th><th>strategy</th><th>people exposed</th></tr></thead><tbody>"
        for variant in summary.variants {
            html += "<tr><td>\(HTMLText.escape(variant.name))</td><td class=\"num\">\(ValueText.format(variant.weight, .plain))</td><td>\(HTMLText.escape(variant.strategy))</td><td class=\"num\">\(ValueText.grouped(Double(variant.exposed)))</td></tr>"
        }
        html += "</tbody></table></div>"
        html += actions(summary: summary, csrf: csrf)
        html += "</section>"
        if let report {
            html += "<section class=\"panel\" id=\"verdict\"><h2>What the report says</h2>"
            html += "<form class=\"actions\" method=\"post\" action=\"\(DashboardPath.base)/experiments/\(HTMLText.escape(HTMLText.urlComponent(summary.key)))/report\"><input type=\"hidden\" name=\"csrf\" value=\"\(HTMLText.escape(csrf))\"><button type=\"submit\" name=\"action\" value=\"report\">Compute the report now</button><span class=\"hint\">The page reuses a report for ten minutes; the scheduler computes one each hour.</span></form>"
            html += "<p>Computed \(HTMLText.escape(report.computedAt)) with the \(HTMLText.escape(report.mode.rawValue)) test at \(ValueText.percent(report.level)) confidence, a window of \(ValueText.format(report.windowDays, .plain)) days after each person's first exposure, \(report.correction == .none ? "no" : HTMLText.escape(report.correction.rawValue)) correction for several comparisons.</p>"
            let srm = report.srm
            html += "<p class=\"\(srm.flagged ? "problem" : "note")\" data-srm=\"\(srm.flagged ? "flagged" : "ok")\">Sample ratio: \(srm.flagged ? "MISMATCH" : "as designed") (\(HTMLText.escape(srm.method)), p = \(ValueText.format(srm.pValue, .plain))).\(srm.flagged ? " Do not trust the effects until the cause is found." : "")</p>"
            html += "<ul class=\"summary\">"
            for sentence in report.summary { html += "<li>\(HTMLText.escape(sentence))</li>" }
            html += "</ul><p class=\"hint\">Every number of the report (each effect, its interval, its p-value alone, after correction and under the always-valid sequential test, the CUPED variance removed) is in the panel below with its SQL, as <code>kindred experiments report \(HTMLText.escape(summary.key))</code> stores it.</p></section>"
        }
        return html
    }

    /// Start for a draft, stop while running, ship a variant once it has run.
    static func actions(summary: ExperimentSummary, csrf: String) -> String {
        let base = "\(DashboardPath.base)/experiments/\(HTMLText.escape(HTMLText.urlComponent(summary.key)))"
        let token = "<input type=\"hidden\" name=\"csrf\" value=\"\(HTMLText.escape(csrf))\">"
        var html = "<div class=\"actions\">"
        if summary.status == "draft" {
            html += "<form method=\"post\" action=\"\(base)/start\">\(token)<button class=\"primary\" type=\"submit\" name=\"action\" value=\"start\">Start</button></form>"
        }
        if summary.status == "running" {
            html += "<form method=\"post\" action=\"\(base)/stop\">\(token)<button type=\"submit\" name=\"action\" value=\"stop\">Stop</button></form>"
        }
        if summary.status != "draft", summary.shippedVariant == nil {
            html += "<form method=\"post\" action=\"\(base)/ship\">\(token)<label for=\"ship-variant\">Ship</label> <select id=\"ship-variant\" name=\"variant\">"
            for variant in summary.variants { html += "<option>\(HTMLText.escape(variant.name))</option>" }
            html += "</select><button type=\"submit\" name=\"action\" value=\"ship\">Ship to everyone</button></form>"
        }
        return html + "</div>"
    }
}
