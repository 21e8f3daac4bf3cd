import Foundation
import KindredLearning
import KindredStore
import KindredTestSupport
import Testing

@testable import KindredEngine

/// Displayed recommendation lists that explore: every place's probability in the impression
/// log, replayable from the request id, and nothing explored where the shop has not asked.
@Suite struct ExplorationTests {
    let directory = TemporaryDirectory()
    let engine: Engine

    init() throws {
        engine = try SmallShop.engine(in: directory, trained: true)
    }

    @Test func byDefaultNothingExploresAndEveryPlaceIsCertain() throws {
        let (response, record) = try engine.recommendForDisplay(RecommendationRequest(userID: "c00001", k: 8))
        #expect(response.items.allSatisfy { $0.explored == nil && $0.probability == nil })
        #expect(record.items.allSatisfy { !$0.explored && $0.probability == 1 })
    }

    @Test func anExploringListLogsEachPlacesProbabilityAndReplaysFromItsRequestID() throws {
        _ = try engine.setSetting("exploration.recommendations.epsilon", to: "0.5")
        _ = try engine.setSetting("exploration.recommendations.first_position", to: "3")
        _ = try engine.setSetting("exploration.recommendations.pool", to: "10")
        let request = RecommendationRequest(userID: "c00002", k: 8)
        let greedy = try engine.recommend(request).items.map(\.itemID)
        var sawExploration = false
        for _ in 0..<20 {
            let (response, record) = try engine.recommendForDisplay(request)
            #expect(record.requestID == response.requestID)
            #expect(record.items.map(\.itemID) == response.items.map(\.itemID))
            #expect(record.items.map(\.probability) == response.items.map { $0.probability! })
            #expect(record.items.prefix(2).allSatisfy { $0.probability == 1 && !$0.explored }, "places 1 and 2 never explore")
            #expect(response.items.prefix(2).map(\.itemID) == Array(greedy.prefix(2)))
            sawExploration = sawExploration || record.items.contains(where: \.explored)
            // Replaying the decision: the same pool (the model's ranking of k + pool items) and the
            // seed from the logged request id give the same places with the same probabilities.
            let pool = try engine.recommend(RecommendationRequest(userID: "c00002", k: 18)).items.map(\.itemID)
            let replayed = EpsilonGreedySlate(epsilon: 0.5, firstPosition: 3).decide(
                poolSize: pool.count, count: 8, seed: EpsilonGreedySlate.seed(requestID: record.requestID))
            #expect(replayed.map { pool[$0.poolIndex] } == record.items.map(\.itemID))
            #expect(replayed.map(\.probability) == record.items.map(\.probability))
            #expect(replayed.map(\.explored) == record.items.map(\.explored))
        }
        #expect(sawExploration, "with epsilon 0.5 over six places, twenty lists explore somewhere")
    }

    /// Each surface explores by its own settings: similar items too, with the same log.
    @Test func similarItemsExploreByTheirOwnSettings() throws {
        let anchor = try engine.recommend(RecommendationRequest(userID: "c00003", k: 1)).items[0].itemID
        let (quiet, quietRecord) = try engine.similarItemsForDisplay(to: anchor, k: 5)
        #expect(quiet.items.allSatisfy { $0.probability == nil } && quietRecord.exploration == nil)
        _ = try engine.setSetting("exploration.similar.epsilon", to: "0.4")
        _ = try engine.setSetting("exploration.similar.pool", to: "8")
        let (response, record) = try engine.similarItemsForDisplay(to: anchor, k: 5)
        let object = try JSONSerialization.jsonObject(with: Data(try #require(record.exploration).utf8)) as! [String: Any]
        let pool = object["pool"] as! [String]
        #expect(pool.count == 13 && object["epsilon"] as? Double == 0.4)
        let replayed = EpsilonGreedySlate(epsilon: 0.4).decide(
            poolSize: pool.count, count: 5, seed: EpsilonGreedySlate.seed(requestID: record.requestID))
        #expect(replayed.map { pool[$0.poolIndex] } == response.items.map(\.itemID))
        #expect(replayed.map(\.probability) == record.items.map(\.probability))
        // Recommendations keep their own setting (still 0).
        #expect(try engine.recommendForDisplay(RecommendationRequest(userID: "c00003", k: 5)).1.exploration == nil)
        #expect(throws: RequestProblem.self) { try engine.setSetting("exploration.pages.epsilon", to: "0.1") }
        #expect(throws: RequestProblem.self) { try engine.setSetting("exploration.similar.budget", to: "0.1") }
    }

    @Test func explorationSettingsAreChecked() throws {
        #expect(throws: RequestProblem.self) { try engine.setSetting("exploration.recommendations.epsilon", to: "1.5") }
        #expect(throws: RequestProblem.self) { try engine.setSetting("exploration.recommendations.first_position", to: "0") }
        #expect(throws: RequestProblem.self) { try engine.setSetting("exploration.recommendations.pool", to: "x") }
    }
}
