import Foundation
import HTTPTypes
import Hummingbird
import KindredEngine
import KindredStore

/// `/dashboard`: server-rendered pages for the shop owner, signed in with an admin key. Each page
/// calls one Engine function and draws what it returns; each button posts a form with the
/// session's CSRF token to the same Engine function the CLI and the API call.
struct DashboardRoutes {
    let engine: Engine
    let sessions: DashboardSessions
    /// The experiment reports the pages computed last, by experiment.
    let reports = DashboardReports()

    /// What a signed-in request carries.
    struct SignedIn {
        var id: String
        var session: DashboardSessions.Session
        var actor: String { "dashboard:\(session.keyID)" }
    }

    func add(to router: Router<KindredRequestContext>) {
        let group = router.group("dashboard")
        group.get("assets/dashboard.css") { _, _ in DashboardResponses.asset(DashboardAssets.css, type: "text/css; charset=utf-8") }
        group.get("assets/dashboard.js") { _, _ in
            DashboardResponses.asset(DashboardAssets.javascript, type: "text/javascript; charset=utf-8")
        }
        group.get("login") { request, _ in loginPage(problem: nil, next: safeNext(request.uri.queryParameters.get("next").map { String($0) }), status: .ok) }
        group.post("login") { request, _ in try await login(request) }
        group.post("logout") { request, _ in
            try await withForm(request) { _, signedIn in
                sessions.end(signedIn.id)
                return DashboardResponses.redirect(to: "\(DashboardPath.base)/login", cookie: expiredCookie(request))
            }
        }
        group.get { request, _ in
            try await page(request) { signedIn in
                let days = try days(request, default: 14)
                let page = try engine.dashboardOverview(days: days)
                return DashboardResponses.html(
                    DashboardLayout.page(
                        title: "Overview", current: "\(DashboardPath.base)", csrf: signedIn.session.csrf, period: page.period, problems: page.notices,
                        refresh: true, body: panels(page, csvBase: "\(DashboardPath.base)/csv/overview", query: [("days", String(days))])))
            }
        }
        group.get("recommendations") { request, _ in
            try await page(request) { signedIn in
                let days = try days(request, default: 14)
                let user = request.uri.queryParameters.get("user").map { String($0) }.flatMap { $0.isEmpty ? nil : $0 }
                let page = try engine.dashboardRecommendations(days: days, userID: user)
                var query = [("days", String(days))]
                if let user { query.append(("user", user)) }
                var body = "<form class=\"search panel\" method=\"get\" action=\"\(DashboardPath.base)/recommendations\"><label for=\"user\">What was one person shown, and why? Their user id:</label> "
                body += "<input id=\"user\" name=\"user\" value=\"\(HTMLText.escape(user ?? ""))\" autocomplete=\"off\"> <input type=\"hidden\" name=\"days\" value=\"\(days)\"><button type=\"submit\">Look up</button>"
                body += "<p class=\"hint\">The id is pseudonymized on the way in, as everywhere: the page never stores or shows it.</p></form>"
                body += panels(page, csvBase: "\(DashboardPath.base)/csv/recommendations", query: query)
                return DashboardResponses.html(
                    DashboardLayout.page(
                        title: "Recommendations", current: "\(DashboardPath.base)/recommendations", csrf: signedIn.session.csrf, period: page.period,
                        keep: user.map { [("user", $0)] } ?? [], body: body))
            }
        }
        group.get("experiments") { request, _ in
            try await page(request) { signedIn in
                let page = try engine.dashboardExperiments()
                var body = ""
                if let list = page.panel("experiments") {
                    body += ExperimentHTML.list(list.result)
                }
                body += panels(page, csvBase: "\(DashboardPath.base)/csv/experiments", query: [])
                return DashboardResponses.html(
                    DashboardLayout.page(
                        title: "Experiments", current: "\(DashboardPath.base)/experiments", csrf: signedIn.session.csrf,
                        messages: flash(request), body: body))
            }
        }
        group.get("experiments/{key}") { request, context in
            try await page(request) { signedIn in
                let key = try PathID.read("key", context)
                return try experimentPage(key: key, signedIn: signedIn, messages: flash(request), problems: [])
            }
        }
        group.post("experiments/{key}/report") { request, context in
            try await withForm(request) { _, signedIn in
                try experimentPage(key: try PathID.read("key", context), signedIn: signedIn, messages: ["The report was computed now."], problems: [], fresh: true)
            }
        }
        for action in ["start", "stop", "ship"] {
            group.post("experiments/{key}/\(action)") { request, context in
                try await withForm(request) { form, signedIn in
                    let key = try PathID.read("key", context)
                    let acting = engine.acting(as: signedIn.actor)
                    do {
                        switch action {
                        case "start": _ = try acting.startExperiment(key: key)
                        case "stop": _ = try acting.stopExperiment(key: key)
                        default:
                            guard let variant = form["variant"], !variant.isEmpty else {
                                throw RequestProblem(.invalid, code: "missing_field", message: "choose the variant to ship", field: "variant")
                            }
                            _ = try acting.shipExperiment(key: key, variant: variant)
                        }
                    } catch {
                        let problem = APIError.from(error)
                        guard problem.status.code < 500 else { throw error }
                        return try experimentPage(key: key, signedIn: signedIn, messages: [], problems: [problem.message], status: problem.status)
                    }
                    let done = action == "start" ? "started" : action == "stop" ? "stopped" : "shipped"
                    return DashboardResponses.redirect(to: "\(DashboardPath.base)/experiments/\(HTMLText.urlComponent(key))?done=\(done)")
                }
            }
        }
        group.get("segments") { request, _ in
            try await page(request) { signedIn in
                let days = try days(request, default: 14)
                let page = try engine.dashboardSegments(days: days)
                return DashboardResponses.html(
                    DashboardLayout.page(
                        title: "Segments", current: "\(DashboardPath.base)/segments", csrf: signedIn.session.csrf, period: page.period,
                        body: panels(page, csvBase: "\(DashboardPath.base)/csv/segments", query: [("days", String(days))])))
            }
        }
        group.get("models") { request, _ in
            try await page(request) { signedIn in
                try modelsPage(signedIn: signedIn, messages: flash(request), problems: [])
            }
        }
        group.post("models/{version}/activate") { request, context in
            try await withForm(request) { _, signedIn in
                guard let version = Int64(context.parameters.get("version") ?? ""), version > 0 else {
                    throw APIError(.badRequest, code: "invalid_parameter", message: "a model version is a positive number", field: "version")
                }
                do {
                    _ = try engine.acting(as: signedIn.actor).activate(version: version)
                } catch {
                    let problem = APIError.from(error)
                    guard problem.status.code < 500 else { throw error }
                    return try modelsPage(signedIn: signedIn, messages: [], problems: [problem.message], status: problem.status)
                }
                return DashboardResponses.redirect(to: "\(DashboardPath.base)/models?done=activated-\(version)")
            }
        }
        group.get("privacy") { request, _ in
            try await page(request) { signedIn in
                let days = try days(request, default: 30)
                let (page, chain) = try engine.dashboardPrivacy(days: days)
                var body = "<section class=\"panel\" id=\"chain\"><h2>The audit log's hash chain</h2>"
                if chain.intact {
                    body += "<p class=\"message\" data-chain=\"intact\">Intact: \(chain.rows) entries verified"
                    body += chain.unsealed > 0 ? " (\(chain.unsealed) older ones from before the chain)" : ""
                    body += ". Head: <code>\(HTMLText.escape(chain.head ?? "none"))</code>. Keep the head elsewhere to notice rows cut off the end later.</p>"
                } else {
                    body += "<p class=\"problem\" data-chain=\"broken\">Broken at entry \(chain.brokenAt.map(String.init) ?? "?"): \(HTMLText.escape(chain.problem ?? ""))</p>"
                }
                body += "<p class=\"hint\">The same check as <code>kindred audit verify</code>: every entry's SHA-256 recomputed from the one before it.</p></section>"
                body += panels(page, csvBase: "\(DashboardPath.base)/csv/privacy", query: [("days", String(days))])
                return DashboardResponses.html(
                    DashboardLayout.page(
                        title: "Privacy", current: "\(DashboardPath.base)/privacy", csrf: signedIn.session.csrf, period: page.period, body: body))
            }
        }
        group.get("csv/{page}/{panel}") { request, context in
            try await page(request) { _ in
                let name = context.parameters.get("page") ?? ""
                let panelID = context.parameters.get("panel") ?? ""
                let parameters = request.uri.queryParameters
                let page: DashboardPage
                switch name {
                case "overview": page = try engine.dashboardOverview(days: try days(request, default: 14))
                case "recommendations":
                    page = try engine.dashboardRecommendations(
                        days: try days(request, default: 14), userID: parameters.get("user").map { String($0) }.flatMap { $0.isEmpty ? nil : $0 })
                case "experiments": page = try engine.dashboardExperiments()
                case "experiment":
                    page = try engine.dashboardExperimentPanels(key: String(parameters.get("key") ?? ""))
                case "segments": page = try engine.dashboardSegments(days: try days(request, default: 14))
                case "models": page = try engine.dashboardModels()
                case "privacy": page = try engine.dashboardPrivacy(days: try days(request, default: 30)).page
                default: throw APIError(.notFound, code: "not_found", message: "no dashboard page '\(name.prefix(40))'")
                }
                guard let panel = page.panel(panelID) else {
                    throw APIError(.notFound, code: "not_found", message: "no panel '\(panelID.prefix(60))' on the \(name) page")
                }
                return DashboardResponses.csv(panel.result.csv, filename: "kindred-\(name)-\(panel.id).csv")
            }
        }
    }

    // MARK: Pages with buttons

    func experimentPage(
        key: String, signedIn: SignedIn, messages: [String], problems: [String], status: HTTPResponse.Status = .ok, fresh: Bool = false
    ) throws -> Response {
        let (page, report, summary) = try engine.dashboardExperiment(key: key, previous: fresh ? nil : reports.last(key))
        if let report { reports.keep(report, for: key) }
        var body = ExperimentHTML.header(summary: summary, report: report?.report, csrf: signedIn.session.csrf)
        body += panels(page, csvBase: "\(DashboardPath.base)/csv/experiment", query: [("key", key)])
        return DashboardResponses.html(
            DashboardLayout.page(
                title: "Experiment \(key)", current: "\(DashboardPath.base)/experiments", csrf: signedIn.session.csrf, messages: messages,
                problems: problems, body: body), status: status)
    }

    func modelsPage(signedIn: SignedIn, messages: [String], problems: [String], status: HTTPResponse.Status = .ok) throws -> Response {
        let page = try engine.dashboardModels()
        var body = ""
        if let history = page.panel("validation") {
            body += ModelHTML.table(history.result, csrf: signedIn.session.csrf)
        }
        body += panels(page, csvBase: "\(DashboardPath.base)/csv/models", query: [])
        return DashboardResponses.html(
            DashboardLayout.page(
                title: "Models", current: "\(DashboardPath.base)/models", csrf: signedIn.session.csrf, messages: messages, problems: problems, body: body),
            status: status)
    }

    func panels(_ page: DashboardPage, csvBase: String, query: [(String, String)]) -> String {
        "<div class=\"panels\">" + page.panels.map { panel in
            let parameters = query.map { "\($0.0)=\(HTMLText.urlComponent($0.1))" }.joined(separator: "&")
            return PanelHTML.render(panel, csvLink: "\(csvBase)/\(HTMLText.urlComponent(panel.id))\(parameters.isEmpty ? "" : "?" + parameters)")
        }.joined() + "</div>"
    }

    // MARK: Signing in

    func loginPage(problem: String?, next: String, status: HTTPResponse.Status) -> Response {
        var body = "<form class=\"login panel\" method=\"post\" action=\"\(DashboardPath.base)/login\">"
        body += "<p>Sign in with an admin key (<code>kindred keys create --role admin</code>). Public and ingest keys cannot open the dashboard.</p>"
        body += "<label for=\"key\">Admin key</label><input id=\"key\" name=\"key\" type=\"password\" autocomplete=\"current-password\" required autofocus>"
        body += "<input type=\"hidden\" name=\"next\" value=\"\(HTMLText.escape(next))\"><button class=\"primary\" type=\"submit\">Sign in</button></form>"
        return DashboardResponses.html(
            DashboardLayout.page(title: "Sign in", current: "", csrf: nil, problems: problem.map { [$0] } ?? [], body: body), status: status)
    }

    func login(_ request: Request) async throws -> Response {
        let form = try await Self.form(request)
        let next = safeNext(form["next"])
        guard let key = form["key"], !key.isEmpty, key.utf8.count <= 200 else {
            return loginPage(problem: "Enter an admin key.", next: next, status: .badRequest)
        }
        guard let (keyID, role) = try engine.authenticate(key: key) else {
            return loginPage(problem: "That key is unknown or revoked.", next: next, status: .unauthorized)
        }
        guard role == .admin else {
            return loginPage(problem: "That is a \(role.rawValue) key; the dashboard needs an admin key.", next: next, status: .forbidden)
        }
        let (id, _) = sessions.start(keyID: keyID, nowMs: engine.clock.now())
        let cookie = Cookie(
            name: DashboardSessions.cookieName, value: id, maxAge: sessions.lifetimeSeconds, path: "\(DashboardPath.base)", secure: Self.overTLS(request),
            httpOnly: true, sameSite: .strict)
        return DashboardResponses.redirect(to: next, cookie: cookie)
    }

    /// Only a dashboard path may follow a sign-in: never another site.
    func safeNext(_ next: String?) -> String {
        guard let next, next.hasPrefix("\(DashboardPath.base)"), !next.hasPrefix("\(DashboardPath.base)/login"), !next.contains("//"),
            !next.contains("\\"), next.utf8.count <= 500
        else { return "\(DashboardPath.base)" }
        return next
    }

    func expiredCookie(_ request: Request) -> Cookie {
        Cookie(name: DashboardSessions.cookieName, value: "", maxAge: 0, path: "\(DashboardPath.base)", secure: Self.overTLS(request), httpOnly: true, sameSite: .strict)
    }

    /// Behind a proxy that ends TLS and says so, the cookie is sent over TLS only.
    static func overTLS(_ request: Request) -> Bool {
        request.uri.scheme?.rawValue == "https" || request.headers[.forwardedProto]?.lowercased() == "https"
    }

    /// The signed-in session of the request, with its key still active and still admin.
    func signedIn(_ request: Request) throws -> SignedIn? {
        guard let id = request.cookies[DashboardSessions.cookieName]?.value, !id.isEmpty,
            let session = sessions.find(id, nowMs: engine.clock.now())
        else { return nil }
        guard try engine.isActiveKey(session.keyID, role: .admin) else {
            sessions.end(id)
            return nil
        }
        return SignedIn(id: id, session: session)
    }

    /// A page for the signed-in only: others are sent to sign in (and come back after). Errors a
    /// person can cause become an HTML page with their status.
    func page(_ request: Request, _ render: (SignedIn) throws -> Response) async throws -> Response {
        guard let signedIn = try signedIn(request) else {
            let here = DashboardPath.external(request.uri.path) + (request.uri.query.map { "?" + $0 } ?? "")
            return DashboardResponses.redirect(to: "\(DashboardPath.base)/login?next=\(HTMLText.urlComponent(here))")
        }
        return try errorPage(signedIn) { try render(signedIn) }
    }

    /// A form post: signed in, same origin, and carrying the session's CSRF token, or refused.
    func withForm(_ request: Request, _ act: ([String: String], SignedIn) throws -> Response) async throws -> Response {
        guard let signedIn = try signedIn(request) else {
            return DashboardResponses.html(
                DashboardLayout.page(title: "Signed out", current: "", csrf: nil, problems: ["Your session has ended; sign in again."],
                    body: "<p><a href=\"\(DashboardPath.base)/login\">Sign in</a></p>"), status: .unauthorized)
        }
        if let origin = request.headers[.origin], let authority = request.head.authority {
            let host = URL(string: origin)?.host.map { host in URL(string: origin)?.port.map { "\(host):\($0)" } ?? host }
            guard host == authority else {
                return DashboardResponses.html(
                    DashboardLayout.page(title: "Refused", current: "", csrf: signedIn.session.csrf, problems: ["A form from another site was refused."], body: ""),
                    status: .forbidden)
            }
        }
        let form = try await Self.form(request)
        guard let token = form["csrf"], DashboardSessions.same(token, signedIn.session.csrf) else {
            return DashboardResponses.html(
                DashboardLayout.page(
                    title: "Refused", current: "", csrf: signedIn.session.csrf,
                    problems: ["The form's security token is missing or stale; go back, reload the page and try again."], body: ""),
                status: .forbidden)
        }
        return try errorPage(signedIn) { try act(form, signedIn) }
    }

    func errorPage(_ signedIn: SignedIn, _ render: () throws -> Response) throws -> Response {
        do {
            return try render()
        } catch {
            let problem = APIError.from(error)
            guard problem.status.code < 500 else { throw error }
            return DashboardResponses.html(
                DashboardLayout.page(title: "Not shown", current: "", csrf: signedIn.session.csrf, problems: [problem.message], body: ""),
                status: problem.status)
        }
    }

    /// An url-encoded form body (at most 16 KiB).
    static func form(_ request: Request) async throws -> [String: String] {
        let buffer = try await request.body.collect(upTo: 16 * 1024)
        let text = String(buffer: buffer).replacingOccurrences(of: "+", with: " ")
        var fields: [String: String] = [:]
        for pair in text.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard let name = parts.first.flatMap({ String($0).removingPercentEncoding }) else { continue }
            fields[name] = parts.count > 1 ? String(parts[1]).removingPercentEncoding ?? "" : ""
        }
        return fields
    }

    func days(_ request: Request, default fallback: Int) throws -> Int {
        guard let text = request.uri.queryParameters.get("days"), !text.isEmpty else { return fallback }
        guard let days = Int(text) else {
            throw RequestProblem(.invalid, code: "invalid_days", message: "days is a whole number of days", field: "days")
        }
        return days
    }

    func flash(_ request: Request) -> [String] {
        guard let done = request.uri.queryParameters.get("done") else { return [] }
        switch done {
        case "started": return ["The experiment started."]
        case "stopped": return ["The experiment stopped."]
        case "shipped": return ["The variant shipped: it is what everyone gets now."]
        default:
            if done.hasPrefix("activated-"), let version = Int(done.dropFirst(10)) { return ["Model version \(version) is serving now."] }
            return []
        }
    }
}
