import Foundation
import KindredLearning
import KindredStore
import KindredTestSupport
import Testing

@testable import KindredEngine

/// Off-policy evaluation on the shop's own exploring lists: each list logs its pool, each place
/// its probability; clicks that carry the request id are the rewards.
@Suite struct ShopLogEvaluationTests {
    let directory = TemporaryDirectory()
    let engine: Engine

    init() throws {
        engine = try SmallShop.engine(in: directory, trained: true)
        _ = try engine.setSetting("exploration.recommendations.epsilon", to: "0.5")
        _ = try engine.setSetting("exploration.recommendations.pool", to: "10")
    }

    /// Shows 5-item lists to 200 people; each clicks exactly the items that were the model's
    /// choice at their place (the best of what was left of the logged pool). Under this rule the
    /// greedy policy earns 1 click per place, and the uniform one 1 / (candidates left).
    func showAndClick() throws -> (places: Int, clicks: Int, uniformValue: Double) {
        var records: [ImpressionRecord] = []
        var csv = "user_id,item_id,type,ts,request_id\n"
        var places = 0
        var clicks = 0
        var uniformValue = 0.0
        for number in 1...200 {
            let user = String(format: "c%05d", number)
            let (response, record) = try engine.recommendForDisplay(RecommendationRequest(userID: user, k: 5))
            records.append(record)
            let exploration = try #require(record.exploration)
            let object = try JSONSerialization.jsonObject(with: Data(exploration.utf8)) as! [String: Any]
            #expect(object["policy"] as? String == "epsilon_greedy" && object["epsilon"] as? Double == 0.5)
            let pool = object["pool"] as! [String]
            // The logged pool and the request id replay the list.
            let replayed = EpsilonGreedySlate(epsilon: 0.5).decide(
                poolSize: pool.count, count: 5, seed: EpsilonGreedySlate.seed(requestID: record.requestID))
            #expect(replayed.map { pool[$0.poolIndex] } == response.items.map(\.itemID))
            var left = pool
            for item in response.items {
                places += 1
                uniformValue += 1 / Double(left.count)
                if item.itemID == left.first {
                    clicks += 1
                    csv += "\(user),\(item.itemID),click,\(ISO8601DateFormatter().string(from: Date())),\(record.requestID)\n"
                }
                left.removeAll { $0 == item.itemID }
            }
        }
        try engine.database.writer.write { db in try ImpressionStore.write(records, in: db) }
        let path = directory.write("clicks.csv", csv)
        _ = try engine.importFile(at: path, request: ImportRequest(kind: .events, fileName: path, format: .csv))
        return (places, clicks, uniformValue / Double(places))
    }

    func evaluate(_ target: PolicyTarget) throws -> PolicyEvaluationReport {
        try engine.evaluatePolicy(PolicyEvaluationRequest(source: .shop(surface: "recommendations"), target: target, interval: .asymptotic))
    }

    @Test func theShopsOwnLogEvaluatesItsPolicyTheModelAloneAndTheUniformDraw() throws {
        let (places, clicks, uniformValue) = try showAndClick()
        let logged = try evaluate(.logged)
        #expect(logged.log.name == "impressions (recommendations)" && logged.log.rounds == places && logged.log.slots == 5)
        #expect(abs(logged.log.meanReward - Double(clicks) / Double(places)) < 1e-12)
        #expect(abs(logged.ips.value - logged.log.meanReward) < 1e-12)

        // The logging policy itself, named by its epsilon: every weight is exactly 1.
        let same = try evaluate(.epsilon(0.5))
        #expect(abs(same.ess - Double(places)) < 1e-6 && abs(same.maxWeight - 1) < 1e-12)
        #expect(abs(same.ips.value - logged.log.meanReward) < 1e-12)

        // The model alone: a weight is above 0 exactly where the model's choice was shown, which
        // is exactly where a click followed, so SNIPS is 1; IPS is unbiased for 1.
        let greedy = try evaluate(.greedy)
        #expect(abs(greedy.snips.value - 1) < 1e-12)
        // The request ids that seed the lists are random, so a 95% interval misses the truth
        // in one run of twenty: held to 99.9% (3.29 standard errors) it misses once in a thousand.
        func covers(_ estimate: PolicyValueEstimate, _ truth: Double) -> Bool {
            let standardError = (estimate.ciHigh - estimate.ciLow) / (2 * 1.959964)
            return abs(estimate.value - truth) <= 3.290527 * standardError
        }
        #expect(covers(greedy.ips, 1), "\(greedy.ips)")
        #expect(greedy.target == "greedy")

        let uniform = try evaluate(.uniform)
        #expect(covers(uniform.ips, uniformValue), "\(uniform.ips) vs \(uniformValue)")
        #expect(uniform.dr.value < greedy.dr.value, "the model's choice earns more than a uniform draw here")
    }

    @Test func withoutExploringListsThereIsNothingToEvaluate() throws {
        _ = try engine.setSetting("exploration.recommendations.epsilon", to: "0")
        let (_, record) = try engine.recommendForDisplay(RecommendationRequest(userID: "c00001", k: 5))
        #expect(record.exploration == nil)
        try engine.database.writer.write { db in try ImpressionStore.write([record], in: db) }
        #expect {
            try evaluate(.greedy)
        } throws: { error in (error as? RequestProblem)?.code == "no_exploring_impressions" }
        #expect(throws: RequestProblem.self) { try PolicyTarget.parse("epsilon:2") }
        #expect(try PolicyTarget.parse("epsilon:0.1") == .epsilon(0.1))
    }
}
