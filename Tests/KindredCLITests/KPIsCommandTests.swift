import Foundation
import KindredTestSupport
import Testing

/// `kindred kpis` on a simulated shop: the rollups agree with the same figures counted
/// straight from the impression log and the events, and bad input is refused by field.
@Suite struct KPIsCommandTests {
    let directory = TemporaryDirectory()

    /// The binary run on a thread of its own: a test that waits on subprocesses must not hold
    /// one of Swift's few cooperative threads, which the server tests running beside it need.
    func kindred(_ arguments: String...) async throws -> KindredProcess.Result {
        let path = directory.path
        return try await Executable.onOwnThread { try KindredProcess.run(arguments, in: path) }
    }

    func json(_ result: KindredProcess.Result) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any], "\(result.stderr)")
    }

    /// One figure straight from the database, with the sqlite3 shell a shop would use.
    func sql(_ query: String) async throws -> String {
        try await Executable.runDetached("/usr/bin/sqlite3", [directory.file("kindred.sqlite"), query]).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    @Test func theRollupsAgreeWithTheLogCountedDirectly() async throws {
        #expect(try await kindred("generate", "--out", "shop", "--users", "200", "--items", "80", "--events", "4000").status == 0)
        #expect(try await kindred("init").status == 0)
        #expect(try await kindred("import", "catalog", "shop/catalog.csv").status == 0)
        let files = try FileManager.default.contentsOfDirectory(atPath: directory.file("shop")).filter { $0.hasPrefix("events-") }.sorted()
        for file in files { #expect(try await kindred("import", "events", "shop/" + file).status == 0) }
        #expect(try await kindred("train", "--algorithm", "popularity").status == 0)
        let simulated = try await kindred("simulate", "--shop", "shop", "--days", "2", "--visitors", "150", "--seed", "3")
        #expect(simulated.status == 0, "\(simulated.stderr)")

        let report = try json(try await kindred("kpis", "--json"))
        let totals = try #require(report["totals"] as? [String: Any])
        #expect(totals["lists"] as? Int == 300)
        #expect("\(totals["impressions"] as? Int ?? -1)" == (try await sql("SELECT sum(json_array_length(items)) FROM impressions")))
        let followedClicks = try await sql(
            "SELECT count(*) FROM events WHERE type = 'click' AND request_id IN (SELECT request_id FROM impressions)")
        #expect("\(totals["recommendation_clicks"] as? Int ?? -1)" == followedClicks)
        #expect("\(totals["events"] as? Int ?? -1)" == (try await sql("SELECT count(*) FROM events WHERE ts_ms / 86400000 >= (SELECT max(ts_ms) / 86400000 - 29 FROM events)")))
        #expect((report["rows"] as? [Any])?.count == 30, "every day of the default period, quiet days too")

        let byPosition = try json(try await kindred("kpis", "--by", "position", "--json"))
        let positions = try #require(byPosition["rows"] as? [[String: Any]])
        #expect(positions.map { $0["value"] as? String } == (1...10).map { "\($0)" })
        let clicksAtFirst = try await sql(
            "SELECT sum(clicks) FROM impression_outcomes WHERE position = 1")
        #expect("\(positions[0]["recommendation_clicks"] as? Int ?? -1)" == clicksAtFirst)
        #expect(positions.map { $0["impressions"] as? Int } == Array(repeating: 300, count: 10))

        let text = try await kindred("kpis", "--by", "device")
        #expect(text.status == 0)
        #expect(text.stdout.contains("by device") && text.stdout.contains("whole shop") && text.stdout.contains("ctr = rec clicks / shown"))

        let rebuilt = try await kindred("kpis", "--rebuild", "--json")
        #expect(rebuilt.status == 0)
        #expect((try json(rebuilt)["totals"] as? [String: Any])?["recommendation_clicks"] as? Int == totals["recommendation_clicks"] as? Int)
        #expect(try await sql("SELECT count(*) FROM audit_log WHERE action = 'kpis_rebuild'") == "1")

        let cases: [([String], String)] = [
            (["--by", "colour"], "--by: 'colour' is not one of device, country, category, surface, position, model, variant"),
            (["--from", "2026-02-30"], "--from: 2026-02-30 is not a day of the calendar"),
            (["--from", "yesterday"], "--from: 'yesterday' is not a date YYYY-MM-DD"),
            (["--from", "2026-11-10", "--to", "2026-11-01"], "--to: the period ends (2026-11-01) before it starts (2026-11-10)"),
            (["--daily"], "--daily: daily needs a breakdown (by)"),
        ]
        for (arguments, message) in cases {
            let path = directory.path
            let refused = try await Executable.onOwnThread { try KindredProcess.run(["kpis"] + arguments, in: path) }
            #expect(refused.status == 2, "\(arguments)")
            #expect(refused.stderr.contains(message), "\(arguments): \(refused.stderr)")
        }
    }
}
