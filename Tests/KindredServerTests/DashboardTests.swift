import Foundation
import GRDB
import HTTPTypes
import HummingbirdTesting
import KindredStore
import KindredTestSupport
import NIOCore
import Testing

@testable import KindredEngine

/// `/dashboard` through the real server: who may sign in and how the session cookie is made,
/// that every page opens and every panel's numbers are exactly its shown SQL run against the
/// same file, and that buttons act only with the session's CSRF token.
@Suite(.serialized) struct DashboardTests {
    let harness: ServerHarness

    init() throws {
        harness = try ServerHarness(users: 150, items: 80, events: 4000)
        try harness.engine.createExperiment(
            ExperimentDefinition(key: "recs-test", name: "Recs <b>test</b>", variants: [.init(name: "control"), .init(name: "treatment")]))
    }

    @Test func onlyAnAdminKeySignsInAndTheCookieIsHttpOnlyAndStrict() async throws {
        let harness = self.harness
        let ingestKey = try harness.engine.createKey(role: .ingest, label: "importer").key
        try await harness.withServer { client, _ in
            let anonymous = try await client.call(.get, "/dashboard/models")
            #expect(anonymous.status == .seeOther)
            #expect(anonymous.headers[.location] == "/dashboard/login?next=%2Fdashboard%2Fmodels")
            // An API key in the header is not a session: the dashboard still asks to sign in.
            let bearer = try await client.call(.get, "/dashboard", key: harness.adminKey)
            #expect(bearer.status == .seeOther)
            let form = try await client.call(.get, "/dashboard/login")
            #expect(form.status == .ok && form.text.contains("name=\"key\"") && form.text.contains("action=\"/dashboard/login\""))
            #expect(form.headers[.contentSecurityPolicy]?.contains("script-src 'self'") == true)

            for (key, status) in [("", HTTPResponse.Status.badRequest), ("kd_adm_nope.0000", .unauthorized), (harness.publicKey, .forbidden),
                (ingestKey, .forbidden)]
            {
                let refused = try await Self.post(client, "/dashboard/login", ["key": key])
                #expect(refused.status == status, "\(key)")
                #expect(refused.headers[.setCookie] == nil)
            }
            let signedIn = try await Self.post(client, "/dashboard/login", ["key": harness.adminKey, "next": "/dashboard/privacy"])
            #expect(signedIn.status == .seeOther && signedIn.headers[.location] == "/dashboard/privacy")
            let cookie = try #require(signedIn.headers[.setCookie])
            #expect(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict") && cookie.contains("Path=/dashboard"))
            #expect(cookie.contains("Max-Age=28800") && !cookie.contains("Secure"))
            // Another site is never where a sign-in leads.
            let elsewhere = try await Self.post(client, "/dashboard/login", ["key": harness.adminKey, "next": "//evil.example/dashboard"])
            #expect(elsewhere.headers[.location] == "/dashboard")
            let proxied = try await Self.post(
                client, "/dashboard/login", ["key": harness.adminKey], headers: [HTTPField.Name("X-Forwarded-Proto")!: "https"])
            #expect(proxied.headers[.setCookie]?.contains("Secure") == true)
        }
    }

    @Test func aSessionEndsOnSignOutOnRevocationAndWhenItExpires() async throws {
        let harness = self.harness
        let second = try harness.engine.createKey(role: .admin, label: "second")
        try await harness.withServer({ $0.dashboardSessionSeconds = 2 }) { client, _ in
            let session = try await Self.signIn(client, key: harness.adminKey)
            #expect(try await client.call(.get, "/dashboard", headers: session.headers).status == .ok)
            let page = try await client.call(.get, "/dashboard", headers: session.headers).text
            let csrf = try #require(Self.csrf(in: page))
            let signedOut = try await Self.post(client, "/dashboard/logout", ["csrf": csrf], headers: session.headers)
            #expect(signedOut.status == .seeOther && signedOut.headers[.setCookie]?.contains("Max-Age=0") == true)
            #expect(try await client.call(.get, "/dashboard", headers: session.headers).status == .seeOther)

            let revoked = try await Self.signIn(client, key: second.key)
            #expect(try await client.call(.get, "/dashboard/models", headers: revoked.headers).status == .ok)
            try harness.engine.revokeKey(second.keyID)
            #expect(try await client.call(.get, "/dashboard/models", headers: revoked.headers).status == .seeOther)

            let expiring = try await Self.signIn(client, key: harness.adminKey)
            #expect(try await client.call(.get, "/dashboard/models", headers: expiring.headers).status == .ok)
            try await Task.sleep(for: .milliseconds(2200))
            #expect(try await client.call(.get, "/dashboard/models", headers: expiring.headers).status == .seeOther)
        }
    }

    @Test func everyPanelShowsExactlyWhatItsSQLReturnsOnTheSameFile() async throws {
        let harness = self.harness
        // Lists with a click, a stored experiment report, and a segment build, so that panels have rows.
        _ = try harness.engine.buildSegments(SegmentBuildOptions())
        try await harness.withServer { client, _ in
            for user in ["c00001", "c00002", "c00003"] {
                let served = try await client.call(.get, "/v1/users/\(user)/recommendations?k=4&device=mobile", key: harness.adminKey)
                #expect(served.status == .ok)
            }
            let page = try await client.call(.get, "/v1/users/c00001/page?surface=home", key: harness.adminKey)
            #expect(page.status == .ok, "\(page.text.prefix(300))")
            _ = try harness.engine.experimentReport(key: "recs-test")
            let session = try await Self.signIn(client, key: harness.adminKey)
            let pages = [
                "/dashboard?days=30", "/dashboard/recommendations?days=30&user=c00001", "/dashboard/experiments",
                "/dashboard/experiments/recs-test", "/dashboard/segments", "/dashboard/models", "/dashboard/privacy",
            ]
            var panelsChecked = 0
            for path in pages {
                let page = try await client.call(.get, path, headers: session.headers)
                #expect(page.status == .ok, "\(path): \(page.text.prefix(300))")
                #expect(page.headers[.contentType] == "text/html; charset=utf-8" && page.headers[.cacheControl] == "no-store")
                #expect(!page.text.contains("<b>test</b>"), "data is escaped")
                let panels = Self.panels(in: page.text)
                #expect(!panels.isEmpty, "\(path) has panels")
                for panel in panels {
                    let rows = try harness.database.writer.read { db in try Row.fetchAll(db, sql: panel.sql) }
                    #expect(rows.count == panel.cells.count, "\(path)#\(panel.id): \(rows.count) rows from SQL, \(panel.cells.count) drawn")
                    for (row, drawn) in zip(rows, panel.cells) {
                        #expect(row.count == drawn.count, "\(path)#\(panel.id) columns")
                        for (index, text) in drawn.enumerated() where index < row.count {
                            #expect(Self.same(row[index] as DatabaseValue, text), "\(path)#\(panel.id) column \(index): \(row[index] as DatabaseValue) vs \(text)")
                        }
                    }
                    panelsChecked += 1
                }
            }
            #expect(panelsChecked >= 25)
            // The page's blocks are in the rollups by block once its lists are logged.
            #expect(
                try await eventually {
                    let recommendations = try await client.call(.get, "/dashboard/recommendations?days=30", headers: session.headers).text
                    return (Self.panels(in: recommendations).first { $0.id == "blocks" }?.cells.count ?? 0) >= 2
                }, "blocks counted")
            // The report stored before and the one the experiment's page stored are both in the history;
            // experiment_results holds the latest only.
            let (reports, latest) = try await harness.database.writer.read { db in
                (
                    try Int.fetchOne(db, sql: "SELECT count(DISTINCT computed_ms) FROM experiment_report_history")!,
                    try Int.fetchOne(db, sql: "SELECT count(DISTINCT computed_at) FROM experiment_results")!
                )
            }
            #expect(reports == 2 && latest == 1)

            // A CSV is the same query's rows (the events panel reads the rollups, which do not move here).
            let overview = try await client.call(.get, "/dashboard?days=30", headers: session.headers).text
            let events = try #require(Self.panels(in: overview).first { $0.id == "events" })
            let csv = try await client.call(.get, "/dashboard/csv/overview/events?days=30", headers: session.headers)
            #expect(csv.status == .ok && csv.headers[.contentType] == "text/csv; charset=utf-8")
            #expect(csv.headers[.contentDisposition] == "attachment; filename=\"kindred-overview-events.csv\"")
            let lines = csv.text.split(separator: "\r\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
            #expect(lines.first == ["day", "events", "views", "clicks", "carts", "purchases"])
            #expect(Array(lines.dropFirst()) == events.cells)
            #expect(try await client.call(.get, "/dashboard/csv/overview/nope", headers: session.headers).status == .notFound)
            #expect(try await client.call(.get, "/dashboard/csv/overview/events").status == .seeOther)
            #expect(try await client.call(.get, "/dashboard?days=0", headers: session.headers).status == .badRequest)
            #expect(try await client.call(.get, "/dashboard/experiments/nope", headers: session.headers).status == .notFound)
        }
    }

    @Test func buttonsActOnlyWithTheSessionsTokenAndFromThisSite() async throws {
        let harness = self.harness
        try await harness.withServer { client, _ in
            let session = try await Self.signIn(client, key: harness.adminKey)
            let page = try await client.call(.get, "/dashboard/experiments/recs-test", headers: session.headers)
            #expect(page.text.contains("action=\"/dashboard/experiments/recs-test/stop\""))
            let csrf = try #require(Self.csrf(in: page.text))

            let noToken = try await Self.post(client, "/dashboard/experiments/recs-test/stop", [:], headers: session.headers)
            #expect(noToken.status == .forbidden)
            let wrongToken = try await Self.post(client, "/dashboard/experiments/recs-test/stop", ["csrf": String(csrf.reversed())], headers: session.headers)
            #expect(wrongToken.status == .forbidden)
            var foreign = session.headers
            foreign[.origin] = "http://evil.example"
            let crossSite = try await Self.post(client, "/dashboard/experiments/recs-test/stop", ["csrf": csrf], headers: foreign)
            #expect(crossSite.status == .forbidden)
            let noSession = try await Self.post(client, "/dashboard/experiments/recs-test/stop", ["csrf": csrf])
            #expect(noSession.status == .unauthorized)
            #expect(try harness.engine.experiment(key: "recs-test").status == "running")

            let stopped = try await Self.post(client, "/dashboard/experiments/recs-test/stop", ["csrf": csrf], headers: session.headers)
            #expect(stopped.status == .seeOther && stopped.headers[.location] == "/dashboard/experiments/recs-test?done=stopped")
            #expect(try harness.engine.experiment(key: "recs-test").status == "stopped")
            let audit = try harness.engine.auditEntries(limit: 1, action: "experiment_stop")
            #expect(audit.first?.actor.hasPrefix("dashboard:kd_adm_") == true)
            // Stopping twice is refused with the Engine's reason, as a page.
            let again = try await Self.post(client, "/dashboard/experiments/recs-test/stop", ["csrf": csrf], headers: session.headers)
            #expect(again.status == .conflict && again.text.contains("class=\"problem\""))
            let unknownVariant = try await Self.post(
                client, "/dashboard/experiments/recs-test/ship", ["csrf": csrf, "variant": "nope"], headers: session.headers)
            #expect(unknownVariant.status.code >= 400 && unknownVariant.status.code < 500)
            let shipped = try await Self.post(
                client, "/dashboard/experiments/recs-test/ship", ["csrf": csrf, "variant": "treatment"], headers: session.headers)
            #expect(shipped.status == .seeOther)
            #expect(try harness.engine.experiment(key: "recs-test").shippedVariant == "treatment")

            let models = try await client.call(.get, "/dashboard/models", headers: session.headers)
            #expect(models.text.contains("/dashboard/models/1/activate") == false, "the serving version has no button")
            let badVersion = try await Self.post(client, "/dashboard/models/99/activate", ["csrf": csrf], headers: session.headers)
            #expect(badVersion.status == .badRequest && badVersion.text.contains("class=\"problem\""))
        }
    }

    // MARK: Helpers

    struct Session {
        var headers: HTTPFields
    }

    static func signIn(_ client: any TestClientProtocol, key: String) async throws -> Session {
        let response = try await post(client, "/dashboard/login", ["key": key])
        let cookie = try #require(response.headers[.setCookie]?.split(separator: ";").first.map(String.init))
        return Session(headers: [.cookie: cookie])
    }

    static func post(
        _ client: any TestClientProtocol, _ path: String, _ fields: [String: String], headers: HTTPFields = [:]
    ) async throws -> TestResponse {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        let body = fields.map { "\($0.key)=\($0.value.addingPercentEncoding(withAllowedCharacters: allowed)!)" }.joined(separator: "&")
        var headers = headers
        headers[.contentType] = "application/x-www-form-urlencoded"
        return try await client.execute(uri: path, method: .post, headers: headers, body: ByteBuffer(string: body))
    }

    static func csrf(in html: String) -> String? {
        guard let match = html.firstMatch(of: /name="csrf" value="([0-9a-f]{64})"/) else { return nil }
        return String(match.1)
    }

    struct DrawnPanel {
        var id: String
        var sql: String
        var cells: [[String]]
    }

    /// Each panel's shown SQL and the raw values of its table, read back from the page.
    static func panels(in html: String) -> [DrawnPanel] {
        html.matches(of: /<section class="panel[^"]*" id="([^"]+)" data-panel="[^"]+">(.*?)<\/section>/.dotMatchesNewlines()).map { match in
            let body = String(match.2)
            let sql = body.firstMatch(of: /<pre><code>(.*?)<\/code><\/pre>/.dotMatchesNewlines()).map { unescape(String($0.1)) } ?? ""
            let rows = body.firstMatch(of: /<tbody>(.*?)<\/tbody>/.dotMatchesNewlines()).map { tbody in
                String(tbody.1).matches(of: /<tr>(.*?)<\/tr>/).map { row in
                    String(row.1).matches(of: /<td[^>]* data-value="([^"]*)"/).map { unescape(String($0.1)) }
                }
            } ?? []
            return DrawnPanel(id: String(match.1), sql: sql, cells: rows)
        }
    }

    static func unescape(_ text: String) -> String {
        text.replacingOccurrences(of: "&lt;", with: "<").replacingOccurrences(of: "&gt;", with: ">")
            .replacingOccurrences(of: "&quot;", with: "\"").replacingOccurrences(of: "&#39;", with: "'").replacingOccurrences(of: "&amp;", with: "&")
    }

    /// A stored value and its text on the page: numbers equal to the last bit, text exactly.
    static func same(_ value: DatabaseValue, _ text: String) -> Bool {
        switch value.storage {
        case .null: return text.isEmpty
        case .int64(let number): return text == String(number)
        case .double(let number): return Double(text) == number
        case .string(let string): return text == string
        case .blob: return true
        }
    }
}
