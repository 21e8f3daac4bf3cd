import Foundation
import KindredLearning
import KindredStore
import KindredTestSupport
import Testing

@testable import KindredEngine

/// Off-policy evaluation of a bandit configuration and of a model version on the shop's own
/// exploring lists.
@Suite struct BanditTargetEvaluationTests {
    let directory = TemporaryDirectory()
    let engine: Engine

    init() throws {
        engine = try SmallShop.engine(in: directory, trained: true)
    }

    /// Shows 120 lists under `policy` and clicks the pool's first item wherever it was shown.
    func showAndClick(policy: String, settings: [(String, String)] = []) throws -> Int {
        _ = try engine.setSetting("exploration.recommendations.policy", to: policy)
        for (key, value) in settings { _ = try engine.setSetting(key, to: value) }
        var records: [ImpressionRecord] = []
        var csv = "user_id,item_id,type,ts,request_id\n"
        var clicks = 0
        for number in 1...120 {
            let user = String(format: "c%05d", number)
            var request = RecommendationRequest(userID: user, k: 5)
            request.device = ["mobile", "desktop", "tablet"][number % 3]
            request.hour = number % 24
            let (response, record) = try engine.recommendForDisplay(request)
            records.append(record)
            let object = try JSONSerialization.jsonObject(with: Data(try #require(record.exploration).utf8)) as! [String: Any]
            let first = (object["pool"] as! [String])[0]
            if response.items.contains(where: { $0.itemID == first }) {
                clicks += 1
                csv += "\(user),\(first),click,2026-11-24T12:00:00Z,\(record.requestID)\n"
            }
        }
        try engine.database.writer.write { db in try ImpressionStore.write(records, in: db) }
        let path = directory.write("clicks.csv", csv)
        _ = try engine.importFile(at: path, request: ImportRequest(kind: .events, fileName: path, format: .csv))
        return clicks
    }

    func evaluate(_ target: String, version: Int64? = nil) throws -> PolicyEvaluationReport {
        var request = PolicyEvaluationRequest(
            source: .shop(surface: "recommendations"), target: try PolicyTarget.parse(target), interval: .asymptotic)
        request.banditVersion = version
        return try engine.evaluatePolicy(request)
    }

    /// The logging bandit named as a target, with the state it logged with (nothing was folded
    /// in meanwhile), gives every place exactly its logged probability: every weight is 1, so
    /// IPS is the log's mean reward. This holds serving's probabilities and evaluation's to
    /// each other, Thompson sampling's Monte Carlo shares included.
    @Test(arguments: [("softmax", "bandit:softmax:0.02", "temperature", "0.02"), ("thompson", "bandit:thompson:0.5", "scale", "0.5")])
    func theLoggingBanditAsATargetWeighsEveryPlaceOne(policy: String, target: String, key: String, value: String) throws {
        _ = try showAndClick(policy: policy, settings: [("exploration.recommendations.\(key)", value)])
        let report = try evaluate(target)
        #expect(abs(report.maxWeight - 1) < 1e-9 && abs(report.ess - Double(report.log.rounds)) < 1e-6, "\(report.maxWeight) \(report.ess)")
        #expect(abs(report.ips.value - report.log.meanReward) < 1e-12)
        #expect(report.target.hasPrefix(target) && report.target.hasSuffix("(bandit 1)"))
        // Another configuration weighs places differently.
        let other = try evaluate(policy == "softmax" ? "bandit:softmax:0.5" : "bandit:thompson:2")
        #expect(other.maxWeight > 1)
    }

    /// Clicks follow the pool's first item, which is mostly the model's best: the model version
    /// that ranked the pools (version 1) is worth more than a uniform draw over the same
    /// candidates, and a contextual bandit that has learned nothing ranks exactly as the pool does.
    @Test func aModelVersionAndAnUntrainedContextualBanditAreTheModelsChoice() throws {
        _ = try showAndClick(policy: "softmax", settings: [("exploration.recommendations.temperature", "0.05")])
        let model = try evaluate("model:1")
        let greedy = try evaluate("greedy")
        let uniform = try evaluate("uniform")
        #expect(model.target == "model:1")
        // The pool's order is the model's ranking after fold-in and backfill, so model:1 (its
        // scores from training time) agrees with it on most places, not all.
        #expect(model.snips.value > 2 * uniform.snips.value, "model:1 \(model.snips.value), uniform \(uniform.snips.value)")
        let contextual = try evaluate("bandit:contextual")
        #expect(abs(contextual.snips.value - greedy.snips.value) < 1e-12, "an unlearned bandit is the model's order")
        #expect { try evaluate("model:99") } throws: { ($0 as? RequestProblem)?.code == "unknown_model" }
        #expect { try evaluate("bandit:contextual", version: 42) } throws: { ($0 as? RequestProblem)?.code == "unknown_bandit" }
    }

    @Test func badTargetsAreRefusedByName() throws {
        for (text, code) in [
            ("bandit:greedyish", "unknown_policy"), ("bandit:softmax:0", "invalid_policy_parameter"), ("bandit:contextual:1", "invalid_policy_parameter"),
            ("model:x", "invalid_model"), ("model:0", "invalid_model"),
        ] {
            #expect(throws: RequestProblem.self, "\(text)") { try PolicyTarget.parse(text) }
            do { _ = try PolicyTarget.parse(text) } catch let problem as RequestProblem { #expect(problem.code == code, "\(text)") }
        }
        #expect(try PolicyTarget.parse("bandit:thompson") == .bandit(policy: "thompson", parameter: nil))
        #expect(try PolicyTarget.parse("bandit:linucb:2").description == "bandit:linucb:2.0")
    }
}
