import KindredEngine

/// The frame every dashboard page shares: navigation, the period, messages and the sign-out
/// button. Styles and the little script are files of their own, so that the page's
/// Content-Security-Policy can forbid everything inline.
enum DashboardLayout {
    struct Section {
        var path: String
        var title: String
    }

    /// Computed per page: the base differs by shop on a server of several.
    static var sections: [Section] {
        [
            Section(path: "\(DashboardPath.base)", title: "Overview"),
            Section(path: "\(DashboardPath.base)/recommendations", title: "Recommendations"),
            Section(path: "\(DashboardPath.base)/experiments", title: "Experiments"),
            Section(path: "\(DashboardPath.base)/segments", title: "Segments"),
            Section(path: "\(DashboardPath.base)/models", title: "Models"),
            Section(path: "\(DashboardPath.base)/privacy", title: "Privacy"),
        ]
    }

    /// A whole page. `current` is the section's path; `period` adds the period picker, which keeps
    /// `keep` (other query values) in its links.
    static func page(
        title: String, current: String, csrf: String?, period: DashboardPeriod? = nil, keep: [(String, String)] = [],
        messages: [String] = [],
        problems: [String] = [], refresh: Bool = false, body: String
    ) -> String {
        var html = "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">"
        html += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
        html += "<title>\(HTMLText.escape(title)) · Kindred</title>"
        html += "<link rel=\"icon\" href=\"data:,\"><link rel=\"stylesheet\" href=\"\(DashboardPath.base)/assets/dashboard.css\">"
        html += "<script src=\"\(DashboardPath.base)/assets/dashboard.js\" defer></script></head>"
        html +=
            "<body\(refresh ? " data-refresh=\"60\"" : "")><header class=\"top\"><a class=\"brand\" href=\"\(DashboardPath.base)\">Kindred</a>"
        if let csrf {
            html += "<nav aria-label=\"Dashboard\"><ul>"
            for section in sections {
                let here = section.path == current
                html += "<li><a href=\"\(section.path)\"\(here ? " aria-current=\"page\"" : "")>\(section.title)</a></li>"
            }
            html += "</ul></nav>"
            html +=
                "<form class=\"signout\" method=\"post\" action=\"\(DashboardPath.base)/logout\"><input type=\"hidden\" name=\"csrf\" value=\"\(HTMLText.escape(csrf))\"><button type=\"submit\">Sign out</button></form>"
        }
        html += "</header><main id=\"main\"><h1>\(HTMLText.escape(title))</h1>"
        if let period {
            html +=
                "<p class=\"period\">\(HTMLText.escape(period.from)) to \(HTMLText.escape(period.to)) (UTC days), against the \(period.length) days before. "
            html += "<span class=\"choices\">"
            for days in DashboardPeriod.choices {
                let query = ([("days", String(days))] + keep).map { "\($0.0)=\(HTMLText.urlComponent($0.1))" }.joined(separator: "&")
                html +=
                    days == period.length
                    ? "<strong>\(days) days</strong> " : "<a href=\"\(current)?\(HTMLText.escape(query))\">\(days) days</a> "
            }
            html += "</span></p>"
        }
        for message in messages { html += "<p class=\"message\" role=\"status\">\(HTMLText.escape(message))</p>" }
        for problem in problems { html += "<p class=\"problem\" role=\"alert\">\(HTMLText.escape(problem))</p>" }
        html += body
        html +=
            "</main><footer><p>Every chart's numbers are the result of the SQL shown under it, run on this shop's database file.</p></footer></body></html>"
        return html
    }
}
