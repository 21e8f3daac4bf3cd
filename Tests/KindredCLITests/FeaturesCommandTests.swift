import Foundation
import KindredTestSupport
import Testing

/// `kindred features` through the binary on a generated shop: a person's row agrees with their
/// events counted with sqlite3, the export has a row per person, and bad input is refused by flag.
@Suite struct FeaturesCommandTests {
    let directory = TemporaryDirectory()

    /// The binary on a thread of its own, off Swift's cooperative pool.
    func kindred(_ arguments: String...) async throws -> KindredProcess.Result {
        let path = directory.path
        return try await Executable.onOwnThread { try KindredProcess.run(arguments, in: path) }
    }

    func sql(_ query: String) async throws -> String {
        try await Executable.runDetached("/usr/bin/sqlite3", [directory.file("kindred.sqlite"), query]).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    @Test func showAndExportAgreeWithTheEventsCountedDirectly() async throws {
        #expect(try await kindred("generate", "--out", "shop", "--users", "120", "--items", "60", "--events", "3000").status == 0)
        #expect(try await kindred("init").status == 0)
        #expect(try await kindred("import", "catalog", "shop/catalog.csv").status == 0)
        let files = try FileManager.default.contentsOfDirectory(atPath: directory.file("shop")).filter { $0.hasPrefix("events-") }.sorted()
        for file in files { #expect(try await kindred("import", "events", "shop/" + file).status == 0) }

        let pseudonym = try await kindred("pseudonym", "c00001").stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let shown = try await kindred("features", "show", "c00001", "--json")
        #expect(shown.status == 0, "\(shown.stderr)")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(shown.stdout.utf8)) as? [String: Any])
        let features = try #require(report["features"] as? [String: Any])
        let person = "(SELECT user_pk FROM users WHERE pseudonym = '\(pseudonym)')"
        #expect("\(features["events"] as? Int ?? -1)" == (try await sql("SELECT count(*) FROM events WHERE user_pk = \(person)")))
        #expect("\(features["purchases"] as? Int ?? -1)" == (try await sql("SELECT count(*) FROM events WHERE type = 'purchase' AND user_pk = \(person)")))
        #expect(
            "\(features["sessions"] as? Int ?? -1)"
                == (try await sql(
                    "SELECT count(DISTINCT coalesce(session_id, 'day ' || (ts_ms / 86400000))) FROM events WHERE user_pk = \(person)")))

        let text = try await kindred("features", "show", "c00001")
        #expect(text.status == 0)
        #expect(text.stdout.contains("recency_days") && text.stdout.contains("days since the person's last event"))

        let exported = try await kindred("features", "export", "--out", "features.csv", "--standardized", "--features", "recency_days,frequency,monetary")
        #expect(exported.status == 0, "\(exported.stderr)")
        let lines = try String(contentsOfFile: directory.file("features.csv"), encoding: .utf8).split(separator: "\n")
        #expect(lines.first == "pseudonym,recency_days,frequency,monetary")
        #expect("\(lines.count - 1)" == (try await sql("SELECT count(DISTINCT user_pk) FROM person_days")))

        // Refused, naming the flag: a time that is not one (usage, 2), a feature that does not
        // exist (bad input, 65), a person with no features (65).
        let badTime = try await kindred("features", "show", "c00001", "--at", "yesterday")
        #expect(badTime.status == 2)
        #expect(badTime.stderr.contains("--at"))
        let badFeature = try await kindred("features", "export", "--out", "x.csv", "--features", "frequency,basket")
        #expect(badFeature.status == 65)
        #expect(badFeature.stderr.contains("no feature 'basket'"))
        #expect(!FileManager.default.fileExists(atPath: directory.file("x.csv")))
        let nobody = try await kindred("features", "show", "nobody-at-all")
        #expect(nobody.status == 65)
        #expect(nobody.stderr.contains("no features for this person"))

        let rebuilt = try await kindred("features", "rebuild")
        #expect(rebuilt.status == 0)
        #expect(rebuilt.stdout.contains("rebuilt the feature store"))
        let again = try await kindred("features", "show", "c00001", "--json")
        var before = features
        var after = try #require((try JSONSerialization.jsonObject(with: Data(again.stdout.utf8)) as? [String: Any])?["features"] as? [String: Any])
        // Recency counts from the moment of asking; everything else is a sum of the same days.
        before["recency_days"] = nil
        after["recency_days"] = nil
        #expect(NSDictionary(dictionary: before).isEqual(to: after), "a rebuild changes nothing")
    }
}
