import Foundation
import KindredLearning
import KindredStore
import KindredTestSupport
import Testing

@testable import KindredEngine

/// `kindred ranker train` and `export` on the small generated shop, and the stage serving runs.
@Suite(.serialized) struct LearnedRankerTests {
    let directory = TemporaryDirectory()

    func options() -> RankerOptions {
        var options = RankerOptions()
        options.settings.trees = 30
        options.settings.minDataInLeaf = 10
        return options
    }

    @Test func withoutAnActiveModelThereIsNothingToRerank() throws {
        let engine = try SmallShop.engine(in: directory, trained: false)
        #expect(throws: DataError.self) { _ = try engine.trainRanker(options()) }
        #expect(try engine.activeRanker() == nil)
    }

    @Test func aRankerThatBeatsTheModelIsStoredAndServed() throws {
        let engine = try SmallShop.engine(in: directory, trained: true)
        let report = try engine.trainRanker(options())
        #expect(report.features == RerankerFeatures.names)
        #expect(report.trainQueries >= 10 && report.validationQueries >= 2)
        #expect(report.trainQueries + report.validationQueries + report.droppedPeople == report.evaluablePeople)
        // On this shop the trees do beat the model's order on the held-out people (the test
        // pins that it is kept, and so that serving uses it).
        #expect(report.kept, "\(report.reason)")
        print("small shop ranker: \(report.reason); \(report.trees) trees, \(report.trainQueries)/\(report.validationQueries) lists")
        #expect(report.validationNDCGAfter > report.validationNDCGBefore)
        let stored = try #require(try engine.activeRanker())
        #expect(stored.model.trees.count == report.trees && stored.report == report)

        // Serving: the same person's list with the ranker on and off.
        let person = try SmallShop.person(1, in: engine)
        _ = try engine.setSetting("serving.ranker", to: "off")
        let plain = try engine.recommend(RecommendationRequest(userID: person, k: 10))
        _ = try engine.setSetting("serving.ranker", to: "on")
        let reranked = try engine.recommend(RecommendationRequest(userID: person, k: 10))
        #expect(plain.personalized && reranked.personalized)
        #expect(plain.items.map(\.itemID) != reranked.items.map(\.itemID), "the trees re-order the list")
        // The scores served are the ranker's, best first, from the trees stored.
        let scores = reranked.items.map(\.score)
        #expect(scores == scores.sorted(by: >))
        let serving = try #require(try engine.servingCache.model(database: engine.database))
        let ranker = try #require(serving.ranker)
        #expect(ranker.model == stored.model)
    }

    /// The hourly retrain keeps a shop's ranker: the new version gets its own, re-learnt with
    /// the same settings from the model validation fitted, in the same transaction as the version.
    @Test func trainingRelearnsTheRankerOfTheActiveVersion() throws {
        let engine = try SmallShop.engine(in: directory, trained: true)
        #expect(try engine.trainRanker(options()).kept)
        var train = TrainOptions()
        train.algorithm = AlgorithmSpec(name: "als", parameters: ["factors": 16, "iterations": 5])
        train.activationMargin = 1
        let report = try engine.train(train)
        let ranker = try #require(report.ranker)
        #expect(report.activated && ranker.version == report.version)
        #expect(ranker.settings.trees == 30 && ranker.settings.minDataInLeaf == 10, "the settings of the ranker it replaces")
        if ranker.kept {
            #expect(try engine.activeRanker()?.report.version == report.version)
        } else {
            #expect(try engine.activeRanker() == nil)
        }

        // A shop without a ranker gets none from training unless it asks (--ranker), and
        // --no-ranker leaves a version without one.
        let plain = try SmallShop.engine(in: TemporaryDirectory(), trained: true)
        #expect(try plain.train(train).ranker == nil)
        var asking = train
        asking.learnsRanker = true
        let learnt = try #require(try plain.train(asking).ranker)
        #expect(learnt.settings.trees == RankerOptions().settings.trees, "the defaults when there is no ranker to follow")
        var refusing = train
        refusing.learnsRanker = false
        let bare = try engine.train(refusing)
        #expect(bare.ranker == nil && bare.activated)
        #expect(try engine.activeRanker() == nil)
    }

    /// `kindred evaluate --ranker`: the default row learns its ranker on the search's split and,
    /// when it is kept, re-ranks the test lists with it (and says so in its name).
    @Test func theDefaultRowCanCarryItsRanker() throws {
        let engine = try SmallShop.engine(in: directory, trained: false)
        var options = EvaluationOptions()
        options.algorithms = []
        options.includeDefault = true
        options.search.budget = 3
        let plain = try engine.evaluate(options).results[0]
        options.defaultRanker = true
        let ranked = try engine.evaluate(options).results[0]
        #expect(plain.ranker == nil && plain.chosen?.contains("ranker") == false)
        let report = try #require(ranked.ranker)
        #expect(ranked.chosen == plain.chosen! + (report.kept ? " + ranker" : ""))
        if !report.kept { #expect(ranked.metrics == plain.metrics) }
    }

    @Test func aRankerForOtherFeaturesIsNotServed() throws {
        let engine = try SmallShop.engine(in: directory, trained: true)
        let report = try engine.trainRanker(options())
        #expect(report.kept)
        var stored = try #require(try engine.activeRanker())
        stored.features = Array(stored.features.dropLast())
        let data = try JSONEncoder().encode(stored)
        try engine.database.writer.write { db in
            try ModelRegistry.replaceArtifact(version: report.version, name: StoredRanker.artifact, encoding: "json", data: data, in: db)
            try SettingsStore.set("ranker.changed_ms", to: "1", in: db, nowMs: 1)
        }
        let serving = try #require(try engine.servingCache.model(database: engine.database))
        #expect(serving.ranker == nil)
    }

    /// A ranker stored by a binary that computed only the first 20 features (before the
    /// context ones were appended) keeps serving: its trees read none past its own. Here one
    /// tree on `item_price` (feature 10): items priced at most 5 first.
    @Test func aRankerOfAnEarlierBinarysFeaturesStillServes() throws {
        let engine = try SmallShop.engine(in: directory, trained: true)
        let report = try engine.trainRanker(options())
        #expect(report.kept)
        var stored = try #require(try engine.activeRanker())
        stored.features = Array(RerankerFeatures.names.prefix(20))
        stored.model = LambdaMARTModel(
            featureCount: 20,
            trees: [RegressionTree(splitFeature: [10], threshold: [5], leftChild: [-1], rightChild: [-2], leafValue: [1, -1])])
        let data = try JSONEncoder().encode(stored)
        try engine.database.writer.write { db in
            try ModelRegistry.replaceArtifact(version: report.version, name: StoredRanker.artifact, encoding: "json", data: data, in: db)
            try SettingsStore.set("ranker.changed_ms", to: "2", in: db, nowMs: 2)
        }
        let serving = try #require(try engine.servingCache.model(database: engine.database))
        #expect(serving.ranker?.model == stored.model)
        let served = try engine.recommend(RecommendationRequest(userID: try SmallShop.person(1, in: engine), k: 10)).items
        #expect(served.first?.score == 1, "the served list starts with an item the tree lifts")
    }

    /// Serving hands the request's context to the ranker: one tree on `item_device_share`
    /// (feature 23) lifts the items whose events came mostly from the request's device class,
    /// so that one person's list on a phone and on a desktop start apart.
    @Test func theRequestsDeviceReachesTheRanker() throws {
        let engine = try SmallShop.engine(in: directory, trained: true)
        let report = try engine.trainRanker(options())
        #expect(report.kept)
        var stored = try #require(try engine.activeRanker())
        stored.model = LambdaMARTModel(
            featureCount: RerankerFeatures.count,
            trees: [RegressionTree(splitFeature: [23], threshold: [0.5], leftChild: [-1], rightChild: [-2], leafValue: [-1, 1])])
        let data = try JSONEncoder().encode(stored)
        try engine.database.writer.write { db in
            try ModelRegistry.replaceArtifact(version: report.version, name: StoredRanker.artifact, encoding: "json", data: data, in: db)
            try SettingsStore.set("ranker.changed_ms", to: "3", in: db, nowMs: 3)
        }
        let serving = try #require(try engine.servingCache.model(database: engine.database))
        let facts = try #require(serving.ranker?.facts)
        let person = try SmallShop.person(2, in: engine)
        for (device, deviceClass) in [("mobile", 0), ("desktop", 2)] {
            var request = RecommendationRequest(userID: person, k: 5)
            request.device = device
            let items = try engine.recommend(request).items
            for item in items where item.score == 1 {
                let index = Int(try #require(serving.itemIndexByID[item.itemID]))
                #expect(facts.deviceShare[index * 3 + deviceClass] > 0.5, "\(item.itemID) on \(device)")
            }
            #expect(items.first?.score == 1, "some item's events on \(device) are mostly from \(device)s")
        }
    }

    /// The export holds the very lists training learns from, in LightGBM's LibSVM text with
    /// query files whose sizes add up to the rows.
    @Test func theExportIsTheTrainingDataInLightGBMText() throws {
        let engine = try SmallShop.engine(in: directory, trained: true)
        let folder = directory.file("lists")
        let exported = try engine.exportRanker(options(), to: folder)
        let report = try engine.trainRanker(options())
        #expect(exported.trainQueries == report.trainQueries && exported.trainRows == report.trainRows)
        #expect(exported.validationQueries == report.validationQueries)

        for (name, rows, queries) in [
            ("train.txt", exported.trainRows, exported.trainQueries), ("valid.txt", exported.validationRows, exported.validationQueries),
        ] {
            let lines = try String(contentsOfFile: "\(folder)/\(name)", encoding: .utf8).split(separator: "\n")
            #expect(lines.count == rows)
            for line in lines.prefix(500) {
                let fields = line.split(separator: " ")
                #expect(fields[0] == "0" || fields[0] == "1")
                for pair in fields.dropFirst() {
                    let parts = pair.split(separator: ":")
                    #expect(
                        parts.count == 2 && Int(parts[0]).map { (0..<RerankerFeatures.count).contains($0) } == true
                            && Float(parts[1]) != nil)
                }
            }
            let sizes = try String(contentsOfFile: "\(folder)/\(name).query", encoding: .utf8).split(separator: "\n").map { Int($0)! }
            #expect(sizes.count == queries && sizes.reduce(0, +) == rows)
        }
        let features = try String(contentsOfFile: "\(folder)/features.txt", encoding: .utf8).split(separator: "\n").map(String.init)
        #expect(features == RerankerFeatures.names)
        let manifest =
            try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: "\(folder)/manifest.json"))) as! [String: Any]
        #expect(manifest["sha256"] as? String == exported.sha256)
        #expect((manifest["lightgbm_params"] as? [String: Any])?["num_leaves"] as? Int == 31)

        // A second export into the same (now full) folder is refused, and leaves it as it was.
        #expect(throws: RequestProblem.self) { _ = try engine.exportRanker(options(), to: folder) }
        #expect(
            try String(contentsOfFile: "\(folder)/features.txt", encoding: .utf8).split(separator: "\n").count == RerankerFeatures.count)
    }
}
