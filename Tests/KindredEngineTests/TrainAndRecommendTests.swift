import Foundation
import KindredLearning
import KindredStore
import KindredTestSupport
import Testing

@testable import KindredEngine

/// Training, the registry and the recommendation query on a small generated shop.
@Suite struct TrainAndRecommendTests {
    let directory = TemporaryDirectory()
    let engine: Engine

    init() throws {
        var configuration = SampleShopGenerator.Configuration()
        configuration.users = 300
        configuration.items = 200
        configuration.events = 20_000
        _ = try SampleShopFiles.write(SampleShopGenerator(configuration: configuration).generate(), to: directory.file("shop"))
        let location = DatabaseLocation(databasePath: directory.file("shop.sqlite"), keyPath: directory.file("shop.sqlite.key"))
        engine = try DemoUseCase.run(dataDirectory: directory.file("shop"), location: location, log: { _ in }).engine
    }

    func train(_ algorithm: String, _ parameters: [String: Double] = [:]) throws -> TrainReport {
        var options = TrainOptions()
        options.algorithm = AlgorithmSpec(name: algorithm, parameters: parameters)
        options.relevantKinds = [.purchase, .addToCart, .click]
        return try engine.train(options)
    }

    @Test func aTrainedModelIsStoredWithItsWeightsAndActivated() throws {
        let report = try train("als", ["factors": 16, "iterations": 5])
        #expect(report.version == 1)
        #expect(report.activated)
        #expect(report.reason == "first model")
        #expect((report.validation?.users ?? 0) > 0)
        let models = try engine.models()
        #expect(models.map(\.status) == ["active"])
        #expect(models[0].dataMaxEventPK == (try engine.status().tableRows["events"]).map(Int64.init))
        // Weights: one little-endian Float32 vector per item and per user.
        let (itemBlob, userCount) = try engine.database.writer.read { db in
            (try ModelRegistry.readItemVectors(version: 1, in: db), try ModelRegistry.readUserVectors(version: 1, in: db).count)
        }
        #expect(itemBlob.count == 200)
        #expect(itemBlob.allSatisfy { $0.vector.count == 16 })
        // One vector per user with events, except those who withdrew personalization consent.
        let withdrawn = "user_pk IN (SELECT user_pk FROM current_consents WHERE purpose = 'personalization' AND granted = 0)"
        #expect(try DatabaseSnapshot.count("users", in: engine.database, where: "events > 0 AND \(withdrawn)") > 0)
        #expect(userCount == (try DatabaseSnapshot.count("users", in: engine.database, where: "events > 0 AND NOT \(withdrawn)")))
        #expect(try DatabaseSnapshot.count("model_item_vectors", in: engine.database, where: "length(vector) = 64") == 200)
        #expect(try DatabaseSnapshot.count("jobs", in: engine.database, where: "kind = 'train' AND model_version = 1") == 1)
        #expect(try DatabaseSnapshot.count("audit_log", in: engine.database, where: "action = 'train'") == 1)
    }

    @Test func aClearlyWorseModelIsNotActivatedAndSaysWhy() throws {
        _ = try train("item-knn-bm25")
        let worse = try train("popularity")
        #expect(!worse.activated)
        #expect(worse.reason.contains("for active version 1 (item-knn-bm25) on the same split"))
        #expect(try engine.models().map(\.status) == ["active", "rejected"])
        // By hand, any version can be activated (a rollback); the previous one retires.
        try engine.activate(version: 2)
        #expect(try engine.models().map(\.status) == ["retired", "active"])
        #expect(throws: DataError.self) { try engine.activate(version: 99) }
    }

    @Test func tuningTriesTheGridOnTheValidationSplit() throws {
        var options = TrainOptions()
        options.algorithm = AlgorithmSpec(name: "item-knn-cosine")
        options.tune = true
        let report = try engine.train(options)
        #expect(report.tuning.count == 4)
        #expect(report.tuning.map { $0.parameters["neighbours"] } == [20, 50, 100, 200])
        let best = report.tuning.max { ($0.metrics.ndcg, $0.metrics.recall) < ($1.metrics.ndcg, $1.metrics.recall) }!
        #expect(report.parameters["neighbours"] == best.parameters["neighbours"])
    }

    @Test func knownPeopleGetPersonalizedRecommendationsWithReasonsAndFilters() throws {
        _ = try train("hybrid", ["factors": 16, "iterations": 5])
        let response = try engine.recommend(RecommendationRequest(userID: "c00001", k: 5))
        #expect(response.personalized)
        #expect(response.items.count == 5)
        #expect(response.modelVersion == 1)
        #expect(response.items.allSatisfy { !$0.reason.isEmpty })
        #expect(response.items.contains { $0.reason.hasPrefix("because you") })

        // Nothing already bought comes back.
        let bought = try boughtItems(of: "c00001")
        #expect(Set(response.items.map(\.itemID)).isDisjoint(with: bought))

        // Business rules.
        var filtered = RecommendationRequest(userID: "c00001", k: 10)
        filtered.includeCategories = ["home"]
        filtered.maxPrice = 20
        filtered.excludeItemIDs = [response.items[0].itemID]
        let rules = try engine.recommend(filtered)
        #expect(!rules.items.isEmpty)
        #expect(rules.items.allSatisfy { ($0.category ?? "").hasPrefix("home/") && ($0.price ?? 99) <= 20 })
        #expect(!rules.items.contains { $0.itemID == response.items[0].itemID })
    }

    @Test func strangersGetTheNonPersonalizedRankingNeverAnError() throws {
        _ = try train("als", ["factors": 8, "iterations": 3])
        for user in [nil, "never-seen-before"] as [String?] {
            let response = try engine.recommend(RecommendationRequest(userID: user, k: 5))
            #expect(!response.personalized)
            #expect(response.items.count == 5)
        }
        var local = RecommendationRequest(userID: "someone-new", k: 3)
        local.country = "DE"
        #expect(try engine.recommend(local).items.allSatisfy { $0.reason == "popular in DE" })
    }

    @Test func deviceAndTimeOfDayShapeTheNonPersonalizedRanking() throws {
        _ = try train("item-knn-bm25")
        let plain = try engine.recommend(RecommendationRequest(userID: nil, k: 10))
        var onMobile = RecommendationRequest(userID: nil, k: 10)
        onMobile.device = "phone"
        let mobile = try engine.recommend(onMobile)
        #expect(mobile.items.contains { $0.reason == "popular on mobile" })
        var atNight = RecommendationRequest(userID: nil, k: 10)
        atNight.hour = 2
        let night = try engine.recommend(atNight)
        #expect(night.items.contains { $0.reason == "popular at night" })
        #expect(plain.items.map(\.itemID) != mobile.items.map(\.itemID) || plain.items.map(\.itemID) != night.items.map(\.itemID))
        #expect(plain.items.allSatisfy { $0.reason == "popular" || $0.reason == "trending" })
    }

    @Test func newEventsChangeRecommendationsBeforeAnyRetrain() throws {
        _ = try train("als", ["factors": 16, "iterations": 5])
        // A newcomer looks at three garden products after training: fold-in makes the very
        // next answer personal, and about gardens.
        let garden = try engine.database.writer.read { db in
            try String.fetchAllForTests(db, "SELECT item_id FROM items WHERE category LIKE 'garden/%' ORDER BY item_id LIMIT 3")
        }
        var csv = "user_id,item_id,type,ts\n"
        for (index, item) in garden.enumerated() { csv += "newcomer,\(item),purchase,2026-11-21T12:0\(index):00Z\n" }
        let file = directory.write("new.csv", csv)
        _ = try engine.importFile(at: file, request: ImportRequest(kind: .events, fileName: file, format: .csv))
        let response = try engine.recommend(RecommendationRequest(userID: "newcomer", k: 5))
        #expect(response.personalized)
        #expect(!response.items.contains { garden.contains($0.itemID) }, "already bought")
        #expect(
            response.items.filter { ($0.category ?? "").hasPrefix("garden/") }.count >= 3, "\(response.items.map { $0.category ?? "-" })")
    }

    @Test func similarItemsComeFromTheActiveModel() throws {
        _ = try train("item-knn-cosine")
        let similar = try engine.similarItems(to: "P00001", k: 5)
        #expect(similar.items.count == 5)
        #expect(!similar.items.contains { $0.itemID == "P00001" })
        #expect(throws: RequestProblem.self) { try engine.similarItems(to: "no-such-item", k: 5) }
    }

    /// EASE is stored as neighbour lists and served from them: personal lists with reasons
    /// after a reload from the file, similar items that are positive weights only.
    @Test func easeIsStoredAndServedAsNeighbourLists() throws {
        let report = try train("ease", ["regularization": 50, "neighbours": 30])
        #expect(report.activated && report.algorithm == "ease")
        #expect(report.parameters == ["regularization": 50, "neighbours": 30, "max_items": 20_000])
        let artifact = try engine.database.writer.read { db in try ModelRegistry.readArtifact(version: 1, name: "neighbours", in: db) }
        let lists = ModelCodec.decodeNeighbours(try #require(artifact), items: 200)
        #expect(lists.count == 200 && lists.allSatisfy { $0.count <= 30 } && lists.contains { $0.count == 30 })
        #expect(lists.contains { $0.contains { $0.score < 0 } }, "negative weights are kept")

        let reopened = try Engine.open(
            at: DatabaseLocation(databasePath: directory.file("shop.sqlite"), keyPath: directory.file("shop.sqlite.key")))
        let response = try reopened.recommend(RecommendationRequest(userID: "c00001", k: 5))
        #expect(response.personalized && response.modelVersion == 1 && response.items.count == 5)
        #expect(response.items.contains { $0.reason.hasPrefix("because you") })
        #expect(Set(response.items.map(\.itemID)).isDisjoint(with: try boughtItems(of: "c00001")))
        let similar = try reopened.similarItems(to: "P00001", k: 10)
        #expect(!similar.items.isEmpty && similar.items.allSatisfy { $0.score > 0 })
    }

    /// A catalog beyond EASE's max_items is refused before any fit, with the memory it would
    /// take, and nothing is stored.
    @Test func easeRefusesACatalogAboveItsLimit() throws {
        #expect {
            try train("ease", ["max_items": 150])
        } throws: { error in
            (error as? DataError)?.message
                == "ease fits a dense items x items matrix: 200 items need 0.0 GiB, above its max_items of 150; raise max_items if the machine has the memory, or use als or item-knn-bm25, which grow with the events"
        }
        #expect(try engine.models().isEmpty)
        #expect(try DatabaseSnapshot.count("jobs", in: engine.database, where: "kind = 'train'") == 0)
    }

    /// An active EASE the catalog has outgrown is not re-fitted to compare with the next model
    /// (it would take 8 bytes x items² on a catalog too large for it): the new model is
    /// activated and says why.
    @Test func anActiveEASETheCatalogOutgrewIsNotRefittedToCompare() throws {
        #expect(try train("ease", ["max_items": 200, "neighbours": 20]).activated)
        #expect(try engine.putItem("P-new", body: Data(#"{"title": "A new thing", "category": "home/new"}"#.utf8)))
        let next = try train("popularity")
        #expect(next.activated)
        #expect(next.reason == "the active version 1 (ease) cannot be re-fitted on 201 items to compare; activated")
    }

    func boughtItems(of user: String) throws -> Set<String> {
        let pseudonym = engine.pseudonym(of: user)
        return try engine.database.writer.read { db in
            Set(
                try String.fetchAllForTests(
                    db,
                    "SELECT i.item_id FROM events e JOIN items i USING (item_pk) JOIN users u USING (user_pk) WHERE u.pseudonym = '\(pseudonym)' AND e.type = 'purchase'"
                ))
        }
    }
}
