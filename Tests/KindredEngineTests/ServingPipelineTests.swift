import Foundation
import GRDB
import KindredLearning
import KindredStore
import KindredTestSupport
import Testing

@testable import KindredEngine

/// The re-ranking stage as people get it: caps and diversity from the request or the shop's
/// settings, the same stages in `kindred evaluate`, and one refusal for bad values.
@Suite struct ServingPipelineTests {
    let directory = TemporaryDirectory()
    let engine: Engine

    init() throws {
        engine = try SmallShop.engine(in: directory, trained: true)
    }

    func list(_ user: String, k: Int = 20, _ change: (inout RecommendationRequest) -> Void = { _ in }) throws -> RecommendationResponse {
        var request = RecommendationRequest(userID: user, k: k)
        change(&request)
        return try engine.recommend(request)
    }

    func person(_ n: Int) throws -> String { try SmallShop.person(n, in: engine) }

    static func mostOfOne(_ values: [String?]) -> Int {
        Dictionary(grouping: values.compactMap { $0 }, by: { $0 }).values.map(\.count).max() ?? 0
    }

    @Test func aCategoryCapHoldsFromTheRequestOrTheShopsSetting() throws {
        let user = try person(7)
        let plain = try list(user)
        #expect(plain.personalized)
        // 20 places over the shop's 21 categories: an uncapped list repeats some.
        #expect(Self.mostOfOne(plain.items.map(\.category)) > 2)
        let capped = try list(user) { $0.maxPerCategory = 2 }
        #expect(capped.items.count == 20)
        #expect(Self.mostOfOne(capped.items.map(\.category)) <= 2)
        #expect(capped.items.first?.itemID == plain.items.first?.itemID, "the best item keeps its place")

        _ = try engine.setSetting("serving.max_per_category", to: "2")
        #expect(try list(user).items == capped.items, "the shop's setting applies when the request says nothing")
        #expect(try list(user) { $0.maxPerCategory = 0 }.items == plain.items, "and a request may lift it")
    }

    @Test func aBrandCapReadsTheCatalogsBrandAttribute() throws {
        let user = try person(11)
        let brands = try engine.database.writer.read { db in
            try Dictionary(
                uniqueKeysWithValues: Row.fetchAll(db, sql: "SELECT item_id, json_extract(attributes, '$.brand') FROM items").map {
                    (($0[0] as String), ($0[1] as String?))
                })
        }
        // The sample shop has 7 brands: a list of 7 can hold one of each.
        let plain = try list(user, k: 7)
        #expect(Self.mostOfOne(plain.items.map { brands[$0.itemID] ?? nil }) > 1)
        let capped = try list(user, k: 7) { $0.maxPerBrand = 1 }
        #expect(Self.mostOfOne(capped.items.map { brands[$0.itemID] ?? nil }) == 1)
    }

    @Test func diversityMakesAListLessAlikeAtSomeCostInScore() throws {
        let user = try person(3)
        let serving = try #require(try engine.database.writer.read { db in try engine.servingCache.model(in: db) })
        func meanSimilarity(_ response: RecommendationResponse) -> Double {
            let items = response.items.map { Int(serving.itemIndexByID[$0.itemID]!) }
            return 1 - serving.similarity.intraListDiversity(items)
        }
        let plain = try list(user)
        let diverse = try list(user) { $0.diversity = 0.3 }
        #expect(diverse.items.count == plain.items.count)
        #expect(meanSimilarity(diverse) < meanSimilarity(plain))
        #expect(diverse.items.map(\.score).reduce(0, +) < plain.items.map(\.score).reduce(0, +))
        #expect(try list(user) { $0.diversity = 1 }.items == plain.items, "lambda 1 is the plain ranking")
    }

    @Test func evaluationRunsTheSameStagesAndMeasuresTheirCost() throws {
        var options = EvaluationOptions()
        options.algorithms = [AlgorithmSpec(name: "als", parameters: ["factors": 16, "iterations": 5])]
        options.k = 5
        options.relevantKinds = [.purchase, .addToCart, .click]
        let plain = try engine.evaluate(options)
        options.maxPerCategory = 1
        let capped = try engine.evaluate(options)
        #expect(plain.reranking == "none")
        #expect(capped.reranking == "at most 1 per category")
        let before = try #require(plain.results.first?.metrics.intraListDiversity)
        let after = try #require(capped.results.first?.metrics.intraListDiversity)
        #expect(after == 1, "five items from five categories: every pair unlike")
        #expect(before < after)
    }

    @Test func outOfRangeValuesAreRefusedNamingTheField() throws {
        for (change, field) in [
            ({ (r: inout RecommendationRequest) in r.diversity = 1.5 }, "diversity"),
            ({ (r: inout RecommendationRequest) in r.maxPerCategory = -1 }, "max_per_category"),
            ({ (r: inout RecommendationRequest) in r.maxPerBrand = 1001 }, "max_per_brand"),
        ] {
            #expect {
                _ = try list(try person(1), change)
            } throws: { ($0 as? RequestProblem)?.field == field }
        }
        #expect(throws: RequestProblem.self) { _ = try engine.setSetting("serving.diversity", to: "2") }
    }
}
