import Foundation
import KindredTestSupport
import Testing

/// `kindred experiments create|start|stop|ship|list|report` as a shop runs them.
@Suite struct ExperimentLifecycleCommandTests {
    let directory = TemporaryDirectory()

    func kindred(_ arguments: String...) throws -> KindredProcess.Result {
        try KindredProcess.run(arguments, in: directory.path)
    }

    func json(_ result: KindredProcess.Result) throws -> Any {
        try JSONSerialization.jsonObject(with: Data(result.stdout.utf8))
    }

    /// A small generated shop, imported, with a popularity model active.
    func shop() throws {
        #expect(try kindred("generate", "--out", "shop", "--users", "200", "--items", "80", "--events", "6000").status == 0)
        #expect(try kindred("init").status == 0)
        #expect(try kindred("import", "catalog", "shop/catalog.csv").status == 0)
        let files = try FileManager.default.contentsOfDirectory(atPath: directory.file("shop")).filter { $0.hasPrefix("events-") }.sorted()
        for file in files { #expect(try kindred("import", "events", "shop/" + file).status == 0) }
        #expect(try kindred("train", "--algorithm", "popularity").status == 0)
    }

    @Test func aPageExperimentComparesLayoutsAndShipsOne() throws {
        try shop()
        let unknown = try kindred("experiments", "create", "home-layout", "--surface", "home", "--variant", "a=default", "--variant", "b=layout:nope")
        #expect(unknown.status != 0 && unknown.stderr.contains("no block 'nope'"), "\(unknown.stderr)")
        let wrongSurface = try kindred("experiments", "create", "x", "--variant", "a=default", "--variant", "b=layout:for-you")
        #expect(wrongSurface.status == 2 && wrongSurface.stderr.contains("a layout is for a page experiment"), "\(wrongSurface.stderr)")
        let created = try kindred(
            "experiments", "create", "home-layout", "--surface", "home", "--variant", "control=default", "--variant",
            "lean=layout:trending-in-segment,for-you")
        #expect(created.status == 0, "\(created.stderr)")
        #expect(created.stdout.contains("lean=layout:trending-in-segment,for-you"), "\(created.stdout)")
        let list = try json(try kindred("experiments", "list", "--json")) as! [[String: Any]]
        #expect(list[0]["surface"] as? String == "home")
        #expect(try kindred("experiments", "ship", "home-layout", "lean").status == 0)
        let blocks = try kindred("blocks", "list", "--json")
        let rows = (try JSONSerialization.jsonObject(with: Data(blocks.stdout.utf8)) as! [String: Any])["blocks"] as! [[String: Any]]
        let home = rows.filter { $0["surface"] as? String == "home" && $0["enabled"] as? Bool == true }
        #expect(home.map { $0["key"] as? String } == ["trending-in-segment", "for-you"], "\(blocks.stdout)")
    }

    @Test func createTrainsWhatAVariantNeedsAndTheLifecycleRunsToShipping() throws {
        try shop()
        let created = try kindred(
            "experiments", "create", "home-recs", "--variant", "control=default", "--variant", "personal=algorithm:item-knn-cosine:2")
        #expect(created.status == 0, "\(created.stderr)")
        #expect(created.stdout.contains("trained version 2 (item-knn-cosine) for the experiment, beside the active model"))
        #expect(created.stdout.contains("started experiment home-recs: control=default (weight 1), personal=algorithm:item-knn-cosine (weight 2)"))
        let models = try kindred("models")
        #expect(models.stdout.contains("item-knn-cosine"), "kept beside the active model")

        let list = try json(try kindred("experiments", "list", "--json")) as! [[String: Any]]
        #expect(list.count == 1 && list[0]["status"] as? String == "running" && list[0]["layer"] as? String == "main")
        #expect((list[0]["variants"] as! [[String: Any]]).map { $0["strategy"] as! String } == ["default", "algorithm:item-knn-cosine"])

        let report = try kindred("experiments", "report", "home-recs")
        #expect(report.status == 0, "\(report.stderr)")
        #expect(report.stdout.contains("people exposed: control 0, personal 0"))
        #expect(report.stdout.contains("Too few people exposed to compare yet"))
        let reportJSON = try json(try kindred("experiments", "report", "home-recs", "--json")) as! [String: Any]
        #expect(reportJSON["srm"] != nil && (reportJSON["variants"] as! [[String: Any]]).count == 2)

        let stopped = try kindred("experiments", "stop", "home-recs")
        #expect(stopped.stdout.hasPrefix("stopped experiment home-recs"))
        #expect(try kindred("experiments", "stop", "home-recs").status == 1, "a stopped experiment does not stop again")
        let shipped = try kindred("experiments", "ship", "home-recs", "personal")
        #expect(shipped.status == 0, "\(shipped.stderr)")
        #expect(shipped.stdout.contains("serving model version 2 (item-knn-cosine)"))
        let active = try kindred("models").stdout.split(separator: "\n").first { $0.contains(" active ") }
        #expect(active?.hasPrefix("2 ") == true && active?.contains("shipped by experiment home-recs, variant personal") == true, "\(active ?? "")")
    }

    @Test func badDefinitionsAreRefusedBeforeAnythingIsWritten() throws {
        try shop()
        let cases: [([String], String)] = [
            (["--variant", "a=default"], "2 to 26 variants"),
            (["--variant", "a=default", "--variant", "a=default"], "variant names must differ"),
            (["--variant", "a=default", "--variant", "b=algorithm:magic"], "unknown algorithm 'magic'"),
            (["--variant", "a=default", "--variant", "b=model:x"], "'x' is not a model version"),
            (["--variant", "a=default", "--variant", "b=default:0"], "is not a positive weight"),
            (["--variant", "a=default", "--variant", "b=default", "--traffic", "1.5"], "a share of traffic from 0.001 to 1"),
            (["--variant", "a=default", "--variant", "b=default", "--device", "fridge"], "unknown device class 'fridge'"),
            (["--variant", "a=default", "--variant", "b=default", "--country", "Germany"], "'Germany' is not a two-letter country code"),
        ]
        for (arguments, message) in cases {
            let result = try KindredProcess.run(["experiments", "create", "bad"] + arguments, in: directory.path)
            #expect(result.status == 2, "\(arguments)")
            #expect(result.stderr.contains(message), "\(arguments): \(result.stderr)")
        }
        let noModel = try kindred("experiments", "create", "bad", "--variant", "a=default", "--variant", "b=model:99")
        #expect(noModel.status == 1 && noModel.stderr.contains("model version 99 was not trained"))
        let noSegment = try kindred("experiments", "create", "bad", "--variant", "a=default", "--variant", "b=default", "--segment", "vip")
        #expect(noSegment.status == 65 && noSegment.stderr.contains("no segment 'vip'"))
        #expect((try json(try kindred("experiments", "list", "--json")) as! [Any]).isEmpty, "nothing half-made")
        #expect(try kindred("experiments", "report", "nope").status == 65)
    }

    @Test func aDraftWaitsForStart() throws {
        try shop()
        #expect(try kindred("experiments", "create", "later", "--variant", "a=default", "--variant", "b=default", "--draft").stdout.hasPrefix("created draft experiment later"))
        #expect(try kindred("experiments", "report", "later").stderr.contains("has not started"))
        #expect(try kindred("experiments", "start", "later").stdout.hasPrefix("started experiment later"))
        #expect(try kindred("experiments", "start", "later").status == 1)
        let line = try kindred("experiments", "list").stdout
        #expect(line.hasPrefix("later  running  layer main  a=default: 0 exposed, b=default: 0 exposed"))

        // Assignment takes the context a targeted experiment needs, as the HTTP route does.
        #expect(try kindred("experiments", "create", "phones", "--variant", "a=default", "--variant", "b=default", "--device", "mobile", "--layer", "devices").status == 0)
        let desktop = try kindred("experiments", "assign", "phones", "c00001", "--device", "desktop")
        #expect(desktop.stdout.contains("not in the experiment (targets devices mobile)"), "\(desktop.stdout)")
        let mobile = try kindred("experiments", "assign", "phones", "c00001", "--device", "mobile")
        #expect(mobile.stdout.hasSuffix("(assigned now)\n"), "\(mobile.stdout)")
    }
}
