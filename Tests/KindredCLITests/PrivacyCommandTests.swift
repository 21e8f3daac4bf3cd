import Foundation
import KindredTestSupport
import Testing

/// The privacy promises through the command line, as a shop's scripts would use them.
@Suite struct PrivacyCommandTests {
    let directory = TemporaryDirectory()

    func kindred(_ arguments: String...) throws -> KindredProcess.Result {
        try KindredProcess.run(arguments, in: directory.path)
    }

    func sql(_ query: String) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/sqlite3")
        process.arguments = [directory.file("kindred.sqlite"), query]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Twelve customers with purchases in November 2026 and, for u1, two years earlier.
    func makeShop() throws {
        #expect(try kindred("init").status == 0)
        var catalog = "item_id,title,category,price\n"
        for n in 1...6 { catalog += "K\(n),Kitchen thing \(n),home/kitchen,\(n)\n" }
        directory.write("catalog.csv", catalog)
        var events = "user_id,item_id,type,ts\n"
        for user in 1...12 {
            for n in 1...6 where (n + user) % 3 != 0 {
                events += "u\(user),K\(n),purchase,2026-11-\(String(format: "%02d", 1 + n))T10:00:00Z\n"
            }
        }
        events += "u1,K1,view,2024-10-01T10:00:00Z\n"
        directory.write("events.csv", events)
        #expect(try kindred("import", "catalog", "catalog.csv").status == 0)
        #expect(try kindred("import", "events", "events.csv").status == 0)
    }

    @Test func settingsAreCheckedStoredAndAudited() throws {
        try makeShop()
        #expect(try kindred("settings").stdout.contains("consent.personalization = opt-out  (default)"))
        let set = try kindred("settings", "set", "consent.analytics", "opt-in")
        #expect(set.status == 0)
        #expect(set.stdout == "consent.analytics = opt-in\n")
        #expect(try kindred("settings", "get", "consent.analytics").stdout == "opt-in\n")
        let bad = try kindred("settings", "set", "consent.analytics", "sometimes")
        #expect(bad.status == 65)
        #expect(bad.stderr.contains("consent.analytics: use opt-in or opt-out"))
        let unknown = try kindred("settings", "set", "consent.marketing", "opt-in")
        #expect(unknown.status == 65)
        #expect(unknown.stderr.contains("unknown setting 'consent.marketing'"))
        #expect(try sql("SELECT count(*) FROM audit_log WHERE action = 'setting'") == "1")
    }

    @Test func importsHonourAnalyticsConsent() throws {
        try makeShop()
        #expect(try kindred("settings", "set", "consent.analytics", "opt-in").status == 0)
        directory.write("consents.csv", "user_id,purpose,granted,ts\nu2,analytics,granted,2026-11-20T09:00:00Z\n")
        #expect(try kindred("import", "consents", "consents.csv").status == 0)
        directory.write(
            "more.csv",
            "user_id,item_id,type,ts\nu2,K3,view,2026-11-21T10:00:00Z\nu3,K3,view,2026-11-21T10:00:00Z\nnewcomer,K3,view,2026-11-21T10:00:00Z\n"
        )
        let imported = try kindred("import", "events", "more.csv")
        #expect(imported.status == 0)
        #expect(imported.stdout.contains("anonymized   2 (stored without the person: no analytics consent)"))
        #expect(try sql("SELECT count(*) FROM events WHERE ts_ms = 1795255200000 AND user_pk IS NULL") == "2")
        #expect(try sql("SELECT count(*) FROM users") == "12", "no profile for the newcomer")
        #expect(try kindred("settings", "set", "consent.events_without_analytics", "drop").status == 0)
        directory.write("later.csv", "user_id,item_id,type,ts\nu3,K4,view,2026-11-22T10:00:00Z\n")
        #expect(try kindred("import", "events", "later.csv").stdout.contains("withheld     1 (not stored: no analytics consent)"))
        #expect(try sql("SELECT count(*) FROM events WHERE ts_ms = 1795341600000") == "0")
    }

    @Test func trainingLeavesOutWhoWithdrewPersonalization() throws {
        try makeShop()
        directory.write("consents.csv", "user_id,purpose,granted,ts\nu5,personalization,withdrawn,2026-11-20T09:00:00Z\n")
        #expect(try kindred("import", "consents", "consents.csv").status == 0)
        #expect(try kindred("train", "--algorithm", "als", "--params", "factors=4,iterations=3", "--validation-days", "0").status == 0)
        let pseudonym = try kindred("pseudonym", "u5").stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(try sql("SELECT count(*) FROM model_user_vectors JOIN users USING (user_pk) WHERE pseudonym = '\(pseudonym)'") == "0")
        #expect(try sql("SELECT count(*) FROM model_user_vectors") == "11")
        #expect(try kindred("recommend", "u5").stdout.hasPrefix("not personalized"))
        #expect(try kindred("recommend", "u6").stdout.hasPrefix("personalized"))
    }

    @Test func forgetAndExportAnswerThePeopleInTheData() throws {
        try makeShop()
        let exported = try kindred("export", "u1", "--out", "u1.json")
        #expect(exported.status == 0)
        let document = try #require(
            try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: directory.file("u1.json")))) as? [String: Any])
        let tables = try #require(document["tables"] as? [String: [[String: Any]]])
        #expect(tables["events"]?.count == 5)
        #expect(tables["users"]?.count == 1)
        #expect(tables["person_days"]?.count == 5, "the feature store's daily sums are theirs too")
        let pseudonym = try kindred("pseudonym", "u1").stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let forgot = try kindred("forget", "u1")
        #expect(forgot.status == 0)
        #expect(forgot.stdout.contains("forgot the person: deleted 21 rows (events 5, person_category_days 5, person_days 5, person_session_days 5, users 1)"))
        #expect(try sql("SELECT count(*) FROM users WHERE pseudonym = '\(pseudonym)'") == "0")
        #expect(try sql("SELECT count(*) FROM audit_log WHERE action IN ('export', 'forget') AND details NOT LIKE '%\(pseudonym)%'") == "2")
        let bytes = try Data(contentsOf: URL(fileURLWithPath: directory.file("kindred.sqlite")))
        #expect(bytes.range(of: Data(pseudonym.utf8)) == nil)
        #expect(try kindred("forget", "u1").stdout.contains("nothing is held about that id"))
    }

    @Test func purgeKeepsOnlyAnonymousDailyCounts() throws {
        try makeShop()
        let purged = try kindred("purge", "--json")
        #expect(purged.status == 0)
        let report = try #require(try JSONSerialization.jsonObject(with: Data(purged.stdout.utf8)) as? [String: Any])
        #expect(report["events"] as? Int == 1, "the view from 2024 is older than 395 days")
        #expect(
            try sql("SELECT day || ' ' || type || ' ' || item_id || ' ' || events FROM event_daily_aggregates") == "2024-10-01 view K1 1")
        #expect(try sql("SELECT count(*) FROM events WHERE ts_ms < 1767225600000") == "0")
        #expect(try kindred("purge", "--days", "0").status == 2)
    }

    @Test func theServerWillNotStartWithAKeyOthersCanRead() throws {
        try makeShop()
        chmod(directory.file("kindred.sqlite.key"), 0o640)
        let refused = try kindred("serve", "--port", "0")
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("may be read by others; refusing to serve until only its owner can (chmod 600"))
    }

    @Test func experimentsAssignOnlyWhoMayTakePart() throws {
        try makeShop()
        #expect(try kindred("experiments", "create", "banner", "--variants", "old=1,new=1").status == 0)
        directory.write("consents.csv", "user_id,purpose,granted,ts\nu4,experiments,withdrawn,2026-11-20T09:00:00Z\n")
        #expect(try kindred("import", "consents", "consents.csv").status == 0)
        #expect(try kindred("experiments", "assign", "banner", "u4").stdout == "not in the experiment (no experiments consent)\n")
        let first = try kindred("experiments", "assign", "banner", "u5").stdout
        #expect(first.hasSuffix("(assigned now)\n"))
        #expect(
            try kindred("experiments", "assign", "banner", "u5").stdout
                == first.replacingOccurrences(of: "assigned now", with: "assigned before"))
        #expect(try sql("SELECT count(*) FROM assignments") == "1")
        #expect(try kindred("experiments", "assign", "nothing", "u5").status == 65)
    }

    @Test func importsKeepOnlyTheFieldsTheSchemaNamesAndCoarsely() throws {
        try makeShop()
        directory.write(
            "located.jsonl",
            #"{"user_id": "u2", "item_id": "K2", "type": "view", "ts": "2026-11-23T10:00:00Z", "user_agent": "Mozilla/5.0 (iPad; CPU OS 17_0) UniqueTabletMarker", "lat": 48.858370, "lon": 2.294481, "ip": "198.51.100.23"}"#
                + "\n")
        #expect(try kindred("import", "events", "located.jsonl").status == 0)
        #expect(
            try sql("SELECT device || ' ' || latitude || ' ' || longitude FROM events WHERE latitude IS NOT NULL") == "tablet 48.86 2.29")
        #expect(try kindred("status").status == 0)
        let bytes = try Data(contentsOf: URL(fileURLWithPath: directory.file("kindred.sqlite")))
        for secret in ["198.51.100.23", "UniqueTabletMarker", "48.85837"] {
            #expect(bytes.range(of: Data(secret.utf8)) == nil, "\(secret) was stored")
        }
    }
}
