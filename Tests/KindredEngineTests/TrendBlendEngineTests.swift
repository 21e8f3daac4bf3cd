import Foundation
import KindredLearning
import KindredStore
import KindredTestSupport
import Testing

@testable import KindredEngine

/// The trend weight end to end: the search scores each fit under each weight, a version trained
/// with one is stored, served and refitted with it, and bad weights are refused.
@Suite struct TrendBlendEngineTests {
    let directory = TemporaryDirectory()

    @Test func theSearchScoresEveryFitUnderEveryTrendWeight() throws {
        let engine = try SmallShop.engine(in: directory, trained: false)
        var options = TrainOptions()
        options.relevantKinds = [.purchase, .addToCart, .click]
        var search = ModelSearchOptions()
        search.algorithms = ["item-knn-bm25", "ease"]
        search.timeBudget = nil
        search.minimumCasesPerRung = 1
        options.search = search
        let report = try engine.train(options)
        let searched = try #require(report.search)
        for trial in searched.trials {
            #expect(trial.trendWeights.map(\.weight) == [0, 0.25, 0.5, 1])
            let best = trial.trendWeights.max { ($0.ndcg, $0.recall) < ($1.ndcg, $1.recall) }!
            // The trial counts with its best weight, the earliest of equals.
            let first = trial.trendWeights.first { ($0.ndcg, $0.recall) == (best.ndcg, best.recall) }!
            #expect(trial.ndcg == first.ndcg && trial.recall == first.recall)
            #expect(trial.parameters[AlgorithmSpec.trendWeight] == (first.weight > 0 ? first.weight : nil))
        }
        // Fits are counted once per configuration, whatever the weights.
        #expect(searched.trials.count == searched.configurations + 3 + 1)
        let winner = try #require(searched.trials.filter { $0.share == 1 }.max { ($0.ndcg, $0.recall) < ($1.ndcg, $1.recall) })
        #expect(searched.winnerParameters == winner.parameters)
        #expect(report.parameters[AlgorithmSpec.trendWeight] == winner.parameters[AlgorithmSpec.trendWeight])

        let record = try #require(try engine.database.writer.read { db in try ModelRegistry.active(in: db) })
        let trials =
            (((try JSONSerialization.jsonObject(with: Data(record.metrics.utf8)) as! [String: Any])["search"] as! [String: Any])[
                "trials"] as! [[String: Any]])
        #expect((trials[0]["trend_weights"] as? [[String: Any]])?.count == 4)
    }

    /// A version trained with a weight records it, is served as the blend of its stored trend,
    /// and the hourly refit keeps the weight.
    @Test func aBlendedVersionIsStoredServedAndRefittedWithItsWeight() throws {
        let engine = try SmallShop.engine(in: directory, trained: false)
        var options = TrainOptions()
        options.algorithm = AlgorithmSpec(name: "als", parameters: ["factors": 16, "iterations": 5, "trend_weight": 0.5])
        options.validationDays = 0
        let report = try engine.train(options)
        #expect(report.parameters["trend_weight"] == 0.5)
        let record = try #require(try engine.database.writer.read { db in try ModelRegistry.active(in: db) })
        #expect(try StoredSpec.spec(of: record).parameters["trend_weight"] == 0.5)

        let serving = try #require(try engine.servingCache.model(database: engine.database))
        let blend = try #require(serving.model as? TrendBlendModel)
        #expect(blend.weight == 0.5 && blend.base is MatrixFactorizationModel)
        #expect(blend.trending == serving.trending.map { max(0, $0) })
        // Served lists are the blend's: a person's list is the model's top by the blend.
        let person = try SmallShop.person(1, in: engine)
        let served = try engine.recommend(RecommendationRequest(userID: person, k: 10))
        #expect(served.personalized && served.items.count == 10)

        // Without the weight the same person's list differs: the trend moved something.
        var plain = TrainOptions()
        plain.algorithm = AlgorithmSpec(name: "als", parameters: ["factors": 16, "iterations": 5])
        plain.validationDays = 0
        plain.activationMargin = 1
        _ = try engine.train(plain)
        let unblended = try engine.recommend(RecommendationRequest(userID: person, k: 10))
        #expect(!(try #require(try engine.servingCache.model(database: engine.database)).model is TrendBlendModel))
        #expect(unblended.items.map(\.itemID) != served.items.map(\.itemID))
    }

    @Test func badWeightsAreRefusedWithTheRange() throws {
        #expect(throws: AlgorithmSpecError.self) { try AlgorithmSpec.parse(name: "als", parameters: "trend_weight=-1") }
        do {
            _ = try AlgorithmSpec.parse(name: "ease", parameters: "trend_weight=11")
        } catch {
            #expect(error.description.contains("'trend_weight' is 11; it must be from 0 to 10"))
        }
        do {
            _ = try AlgorithmSpec.parse(name: "popularity", parameters: "trend_weight=1")
            Issue.record("popularity has no trend to blend with")
        } catch {
            #expect(error.description == "popularity has no parameter 'trend_weight'")
        }
        let plain = try AlgorithmSpec.parse(name: "ease", parameters: "trend_weight=0").make()
        #expect(plain is EASEAlgorithm, "0 is the model alone")
        #expect(try AlgorithmSpec.parse(name: "ease", parameters: "trend_weight=2").make() is TrendBlendAlgorithm)
    }
}
