import Foundation
import KindredTestSupport
import Testing

/// `kindred ranker train | show | export` through the real binary, on a small generated shop.
@Suite struct RankerCommandTests {
    let directory = TemporaryDirectory()

    func kindred(_ arguments: String...) throws -> KindredProcess.Result {
        try KindredProcess.run(arguments, in: directory.path)
    }

    func makeShop() throws {
        #expect(try kindred("generate", "--out", "shop", "--users", "300", "--items", "200", "--events", "20000").status == 0)
        #expect(try kindred("init").status == 0)
        #expect(try kindred("import", "catalog", "shop/catalog.csv").status == 0)
        for month in ["08", "09", "10", "11"] {
            let imported = try kindred("import", "events", "shop/events-2026-\(month).csv")
            #expect(imported.status == 0, "\(imported.stderr)")
        }
    }

    @Test func rankerWithoutAModelOrWithBadSettingsIsRefused() throws {
        #expect(try kindred("init").status == 0)
        let none = try kindred("ranker", "train")
        #expect(none.status == 65 && none.stderr.contains("no active model to learn a ranking for"), "\(none.stderr)")
        let show = try kindred("ranker", "show")
        #expect(show.status == 65 && show.stderr.contains("has no ranker"))
        for bad in [
            ["--trees", "0"], ["--leaves", "1"], ["--learning-rate", "2"], ["--candidates", "1"], ["--relevant", "nonsense"],
            ["--from", "clicks"], ["--propensity-clip", "0.5"],
        ] {
            let refused = try KindredProcess.run(["ranker", "train"] + bad, in: directory.path)
            #expect(refused.status == 2, "\(bad): \(refused.stderr)")
        }
        #expect(try kindred("ranker", "export").status == 2, "--out is required")
    }

    @Test func trainShowExportAndServe() throws {
        try makeShop()
        let trained = try kindred("train", "--algorithm", "als", "--params", "factors=16,iterations=5")
        #expect(trained.status == 0, "\(trained.stderr)")
        #expect(trained.stdout.contains("validation (last 30 days, "), "\(trained.stdout)")

        // On the four months alone (44 lists), the trees lose to the model's order on the
        // people held out: the ranker is not kept, and the version has none.
        let losing = try kindred("ranker", "train", "--trees", "30", "--min-data-in-leaf", "10", "--json")
        #expect(losing.status == 0, "\(losing.stderr)")
        let lost = try JSONSerialization.jsonObject(with: Data(losing.stdout.utf8)) as! [String: Any]
        #expect(lost["kept"] as? Bool == false && (lost["reason"] as? String)?.hasPrefix("not kept") == true)
        #expect(try kindred("ranker", "show").status == 65)

        // With the recent tracker events and the consent records, a new version's ranker wins.
        #expect(try kindred("import", "events", "shop/events-recent.jsonl").status == 0)
        #expect(try kindred("import", "consents", "shop/consents.csv").status == 0)
        #expect(try kindred("train", "--algorithm", "als", "--params", "factors=16,iterations=5").status == 0)
        let ranker = try kindred("ranker", "train", "--trees", "30", "--min-data-in-leaf", "10", "--json")
        #expect(ranker.status == 0, "\(ranker.stderr)")
        let report = try JSONSerialization.jsonObject(with: Data(ranker.stdout.utf8)) as! [String: Any]
        #expect(report["kept"] as? Bool == true, "\(report["reason"] ?? "")")
        #expect((report["validation_ndcg_after"] as! Double) > (report["validation_ndcg_before"] as! Double))
        #expect((report["features"] as? [String])?.first == "candidate_score")
        #expect(report["method"] as? String != nil)
        // No list has been shown yet: `--from auto` learns from purchases and says why, and
        // `--from impressions` refuses with what it found.
        #expect(report["source"] as? String == "purchases" && (report["source_note"] as? String)?.contains("only 0 lists") == true)
        let noLog = try kindred("ranker", "train", "--from", "impressions")
        #expect(noLog.status == 65 && noLog.stderr.contains("too few lists") && noLog.stderr.contains("0 lists shown"), "\(noLog.stderr)")

        let shown = try kindred("ranker", "show")
        #expect(
            shown.status == 0 && shown.stdout.contains("re-ranks the top 200 candidates") && shown.stdout.contains("person_item_weight"))
        let json = try kindred("ranker", "show", "--json")
        let stored = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as! [String: Any]
        let trees = (stored["model"] as! [String: Any])["trees"] as! [[String: Any]]
        #expect(trees.count == report["trees"] as? Int && trees.first?["leaf_value"] != nil && trees.first?["split_feature"] != nil)

        let exported = try kindred("ranker", "export", "--out", "lists", "--trees", "30", "--min-data-in-leaf", "10")
        #expect(exported.status == 0 && exported.stdout.contains("train.txt"), "\(exported.stderr)")
        #expect(FileManager.default.fileExists(atPath: directory.file("lists/valid.txt.query")))
        let again = try kindred("ranker", "export", "--out", "lists")
        #expect(again.status != 0 && again.stderr.contains("not empty"), "\(again.stderr)")

        // `kindred train` re-learns the active version's ranker; --no-ranker leaves the new one without.
        let retrained = try kindred("train", "--algorithm", "als", "--params", "factors=16,iterations=5", "--margin", "1", "--json")
        let retrainedReport = try JSONSerialization.jsonObject(with: Data(retrained.stdout.utf8)) as! [String: Any]
        #expect((retrainedReport["ranker"] as? [String: Any])?["version"] as? Int == retrainedReport["version"] as? Int)
        let bare = try kindred("train", "--algorithm", "als", "--params", "factors=16,iterations=5", "--margin", "1", "--no-ranker")
        #expect(bare.status == 0 && !bare.stdout.contains("ranker"), "\(bare.stdout)")
        #expect(try kindred("ranker", "show").status == 65)

        // `kindred evaluate --ranker`: the default row carries the ranker learnt before the test period.
        let evaluated = try kindred("evaluate", "--algorithm", "default", "--budget", "3", "--ranker", "--json")
        #expect(evaluated.status == 0, "\(evaluated.stderr)")
        let rows = (try JSONSerialization.jsonObject(with: Data(evaluated.stdout.utf8)) as! [String: Any])["results"] as! [[String: Any]]
        #expect(rows.first?["algorithm"] as? String == "default" && rows.first?["ranker"] != nil)

        #expect(try kindred("settings", "set", "serving.ranker", "maybe").status != 0)
        #expect(try kindred("settings", "set", "serving.ranker", "off").status == 0)
        #expect(try kindred("recommend", "c00001", "--k", "5").status == 0)
        // "Exclude seen": the flag both ways, and the surfaces' settings, as the API takes them.
        #expect(try kindred("recommend", "c00001", "--k", "5", "--exclude-seen").status == 0)
        #expect(try kindred("recommend", "c00001", "--k", "5", "--no-exclude-seen", "--no-exclude-purchased").status == 0)
        #expect(try kindred("settings", "set", "serving.exclude_seen.pages", "on").status == 0)
        #expect(try kindred("settings", "set", "serving.exclude_seen.recommendations", "yes").status != 0)
        let audit = try kindred("audit", "list", "--json")
        #expect(audit.stdout.contains("ranker_train") && audit.stdout.contains("ranker_export"))
    }
}
