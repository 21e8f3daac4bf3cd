import Foundation
import KindredTestSupport
import Testing

/// train, models, activate, recommend, similar, evaluate and latency through the real binary.
@Suite struct RecommenderCommandTests {
    let directory = TemporaryDirectory()

    func kindred(_ arguments: String...) throws -> KindredProcess.Result {
        try KindredProcess.run(arguments, in: directory.path)
    }

    /// A tiny shop: two tastes (kitchen, garden) among 12 customers.
    func makeShop() throws {
        #expect(try kindred("init").status == 0)
        var catalog = "item_id,title,category,price\n"
        for n in 1...6 { catalog += "K\(n),Kitchen thing \(n),home/kitchen,\(n)\nG\(n),Garden thing \(n),garden/tools,\(n * 10)\n" }
        directory.write("catalog.csv", catalog)
        var events = "user_id,item_id,type,ts\n"
        for user in 1...12 {
            let prefix = user <= 6 ? "K" : "G"
            for n in 1...6 where (n + user) % 3 != 0 {
                events += "u\(user),\(prefix)\(n),purchase,2026-11-\(String(format: "%02d", 1 + (n + user) % 20))T10:00:00Z\n"
            }
        }
        directory.write("events.csv", events)
        #expect(try kindred("import", "catalog", "catalog.csv").status == 0)
        #expect(try kindred("import", "events", "events.csv").status == 0)
    }

    @Test func trainListActivateAndRecommendAsAScriptWould() throws {
        try makeShop()
        let trained = try kindred("train", "--algorithm", "item-knn-cosine", "--validation-days", "0", "--json")
        #expect(trained.status == 0, "\(trained.stderr)")
        let report = try JSONSerialization.jsonObject(with: Data(trained.stdout.utf8)) as! [String: Any]
        #expect(report["version"] as? Int == 1)
        #expect(report["activated"] as? Bool == true)

        #expect(try kindred("train", "--algorithm", "popularity", "--validation-days", "0").status == 0)
        let models = try kindred("models", "--json")
        let list = try JSONSerialization.jsonObject(with: Data(models.stdout.utf8)) as! [[String: Any]]
        #expect(list.map { $0["status"] as? String } == ["retired", "active"])
        #expect(try kindred("activate", "1").stdout.contains("version 1 (item-knn-cosine) is now active"))
        #expect(try kindred("activate", "7").status == 65)

        let recommended = try kindred("recommend", "u1", "--k", "3", "--json")
        #expect(recommended.status == 0)
        let response = try JSONSerialization.jsonObject(with: Data(recommended.stdout.utf8)) as! [String: Any]
        #expect(response["personalized"] as? Bool == true)
        let items = response["items"] as! [[String: Any]]
        #expect(items.count == 3)
        // u1 has two kitchen things left to buy: those come first, for a reason; the third slot
        // has no evidence and is filled from the non-personalized ranking, and says so.
        #expect(items.prefix(2).allSatisfy { ($0["item_id"] as! String).hasPrefix("K") }, "a kitchen customer gets kitchen things")
        #expect(items.prefix(2).allSatisfy { ($0["reason"] as! String).hasPrefix("because you bought") })
        #expect(["popular", "trending"].contains(items[2]["reason"] as? String))

        let filtered = try kindred("recommend", "u1", "-k", "5", "--category", "garden", "--max-price", "30")
        #expect(filtered.status == 0)
        #expect(filtered.stdout.split(separator: "\n").dropFirst().allSatisfy { $0.contains(" G") })

        let stranger = try kindred("recommend", "nobody")
        #expect(stranger.stdout.hasPrefix("not personalized"))
        #expect(try kindred("similar", "K1", "-k", "2").stdout.contains("similar to Kitchen thing 1"))
        #expect(try kindred("similar", "nope").status == 65)
        #expect(try kindred("status").stdout.contains("active model  version 1, item-knn-cosine"))
    }

    @Test func evaluateAndLatencyReportWhatTheyMeasured() throws {
        try makeShop()
        let evaluated = try kindred(
            "evaluate", "--test-days", "7", "--relevant", "purchase", "--algorithm", "popularity", "--algorithm", "item-knn-bm25", "--json")
        #expect(evaluated.status == 0, "\(evaluated.stderr)")
        let report = try JSONSerialization.jsonObject(with: Data(evaluated.stdout.utf8)) as! [String: Any]
        let results = report["results"] as! [[String: Any]]
        #expect(results.map { $0["algorithm"] as? String } == ["popularity", "item-knn-bm25"])
        #expect(try kindred("train", "--algorithm", "als", "--params", "factors=4,iterations=3", "--validation-days", "0").status == 0)
        let latency = try kindred("latency", "--requests", "50", "--json")
        #expect(latency.status == 0)
        let figures = try JSONSerialization.jsonObject(with: Data(latency.stdout.utf8)) as! [String: Any]
        #expect(figures["requests"] as? Int == 50)
        #expect((figures["p99_ms"] as? Double ?? 0) >= (figures["p50_ms"] as? Double ?? 1))
        // The catalog is smaller than ALS's candidate pool (100), so every item is scored
        // exactly: the candidate path returns the exhaustive top k for everyone sampled.
        #expect(figures["candidate_overlap"] as? Double == 1)
        #expect((figures["overlap_people"] as? Int ?? 0) > 0)
        #expect(
            try kindred("latency", "--requests", "5").stdout.contains(
                "candidate path beside scoring every item: 100.0% of the exact top 10"))
    }

    @Test func nextItemEvaluationReportsHitRateAndMRRPerAlgorithm() throws {
        try makeShop()
        // The shop's purchases have no sessions and a day between them: no step to walk.
        let none = try kindred("evaluate", "--task", "next-item", "--test-days", "7")
        #expect(none.status == 65, "\(none.stderr)")
        #expect(none.stderr.contains("nothing to evaluate"))
        // Browsing sessions of three products from one shelf, the last week among them.
        var events = "user_id,item_id,type,ts,session_id\n"
        for s in 1...24 {
            let user = s % 12 + 1
            let prefix = user <= 6 ? "K" : "G"
            for step in 0..<3 {
                events += "u\(user),\(prefix)\((s + step) % 6 + 1),view,2026-11-\(String(format: "%02d", s))T09:0\(step):00Z,s\(s)\n"
            }
        }
        directory.write("sessions.csv", events)
        #expect(try kindred("import", "events", "sessions.csv").status == 0)
        let evaluated = try kindred(
            "evaluate", "--task", "next-item", "--test-days", "7", "-k", "5", "--algorithm", "popularity", "--algorithm", "item2vec",
            "--params", "factors=8,epochs=20", "--json")
        #expect(evaluated.status == 0, "\(evaluated.stderr)")
        let report = try JSONSerialization.jsonObject(with: Data(evaluated.stdout.utf8)) as! [String: Any]
        #expect(report["task"] as? String == "next-item")
        // Sessions 18-24 fall after the cut (7 days before 2026-11-24 09:02): 14 steps. (The
        // purchases of those days are visits of one item each: sequences without a step.)
        #expect((report["test_sequences"] as? Int ?? 0) >= 7 && (report["train_sequences"] as? Int ?? 0) >= 17)
        let results = report["results"] as! [[String: Any]]
        #expect(results.map { $0["algorithm"] as? String } == ["popularity", "item2vec"])
        for result in results {
            let metrics = result["metrics"] as! [String: Any]
            #expect(metrics["k"] as? Int == 5 && metrics["pairs"] as? Int == 14 && metrics["skipped_pairs"] as? Int == 0)
            #expect(metrics["hit_rate"] is Double && metrics["mrr"] is Double && result["fit_seconds"] is Double)
        }
        let text = try kindred("evaluate", "--task", "next-item", "--test-days", "7", "-k", "5", "--algorithm", "popularity")
        #expect(text.stdout.contains("task next-item") && text.stdout.contains("hr@5"), "\(text.stdout)")
        #expect(try kindred("evaluate", "--task", "sometimes").status == 2)
        #expect(try kindred("evaluate", "--task", "next-item", "--tune").status == 2)
        let badWindow = try kindred("evaluate", "--algorithm", "item2vec", "--params", "window=0")
        #expect(
            badWindow.status == 2 && badWindow.stderr.contains("item2vec parameter 'window' is 0; it must be at least 1"),
            "\(badWindow.stderr)")
        // The neural model's ranges, the same in evaluate and train.
        let noLayers = try kindred("evaluate", "--algorithm", "ncf", "--params", "layers=0")
        #expect(
            noLayers.status == 2 && noLayers.stderr.contains("ncf parameter 'layers' is 0; it must be from 1 to 4"), "\(noLayers.stderr)")
        let stillRate = try kindred("train", "--algorithm", "ncf", "--params", "learning_rate=0")
        #expect(
            stillRate.status == 2 && stillRate.stderr.contains("ncf parameter 'learning_rate' is 0; it must be above 0"),
            "\(stillRate.stderr)")
    }

    /// A catalog beyond EASE's limit: named, it refuses the run; unnamed (every algorithm), it
    /// is left out and the table says why.
    @Test func evaluateLeavesOutWhatTheCatalogOutgrowsUnlessNamed() throws {
        try makeShop()
        let named = try kindred("evaluate", "--test-days", "7", "--relevant", "purchase", "--algorithm", "ease", "--params", "max_items=3")
        #expect(named.status == 65, "\(named.stderr)")
        #expect(named.stderr.contains("ease fits a dense items x items matrix:") && named.stderr.contains("above its max_items of 3"))
        let all = try kindred("evaluate", "--test-days", "7", "--relevant", "purchase", "--params", "max_items=3", "--json")
        #expect(all.status == 0, "\(all.stderr)")
        let report = try JSONSerialization.jsonObject(with: Data(all.stdout.utf8)) as! [String: Any]
        let algorithms = (report["results"] as! [[String: Any]]).compactMap { $0["algorithm"] as? String }
        #expect(!algorithms.contains("ease") && algorithms.contains("als"))
        let skipped = report["skipped"] as! [[String: String]]
        #expect(skipped.map { $0["algorithm"] } == ["ease"] && skipped[0]["reason"]!.contains("above its max_items of 3"))
        let text = try kindred("evaluate", "--test-days", "7", "--relevant", "purchase", "--params", "max_items=3")
        #expect(text.stdout.contains("skipped ease: ease fits a dense items x items matrix"), "\(text.stdout)")
        let fits = try kindred("evaluate", "--test-days", "7", "--relevant", "purchase", "--algorithm", "ease", "--json")
        #expect(fits.status == 0, "\(fits.stderr)")
    }

    @Test func badLearningOptionsAreUsageErrors() throws {
        try makeShop()
        #expect(try kindred("train", "--algorithm", "magic").status == 2)
        #expect(try kindred("train", "--algorithm", "als", "--params", "depth=3").status == 2)
        #expect(try kindred("train", "--weights", "glance=3").status == 2)
        #expect(try kindred("evaluate", "--protocol", "sometimes").status == 2)
        #expect(try kindred("evaluate", "--relevant", "teleport").status == 2)
        #expect(try kindred("recommend", "u1", "--hour", "25").status == 2)
        #expect(try kindred("recommend", "u1", "--min-price", "9", "--max-price", "1").status == 2)
        let noModel = try kindred("similar", "K1")
        #expect(noModel.status == 1, "no model yet is a state of the database, not bad input")
        #expect(noModel.stderr.contains("no active model; train one with `kindred train`"))
    }
}
