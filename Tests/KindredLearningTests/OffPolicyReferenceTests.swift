import Foundation
import Testing

@testable import KindredLearning

/// Kindred's off-policy estimators and reward model against scikit-learn and numpy on a fixed
/// log. The values were made by scripts/reference/off_policy_reference.py; the log is in the
/// same file.
@Suite struct OffPolicyReferenceTests {
    nonisolated(unsafe) static let reference: [String: Any] = {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("Reference/off_policy_reference.json")
        return try! JSONSerialization.jsonObject(with: Data(contentsOf: url)) as! [String: Any]
    }()

    static func double(_ any: Any?) -> Double { (any as! NSNumber).doubleValue }

    static let log: BanditLog = {
        let object = reference["log"] as! [String: Any]
        let rounds = (object["rounds"] as! [[Any]]).map { row in
            BanditRound(
                timestampMs: Int64(double(row[0])), action: Int(double(row[1])), slot: Int(double(row[2])),
                reward: double(row[3]), propensity: double(row[4]), context: row[5...].map { Int(double($0)) })
        }
        return BanditLog(
            rounds: rounds, actionCount: Int(double(object["actions"])), slotCount: Int(double(object["slots"])),
            contextValueCount: Int(double(object["context_values"])),
            actionAffinity: (object["affinity"] as! [Any]).map { Float(double($0)) })
    }()

    static let model = RewardModel(
        fitting: log, folds: Int(double(reference["folds"])), l2: double(reference["l2"]))

    func close(_ actual: Double, _ expected: Double, relative: Double) -> Bool {
        abs(actual - expected) <= relative * max(abs(expected), 1e-12)
    }

    @Test func crossFittedRewardModelMatchesScikitLearn() {
        let expected = (Self.reference["logged_predictions"] as! [Any]).map(Self.double)
        // The affinity goes through Float, as Kindred stores it: predictions agree to that.
        for (index, round) in Self.log.rounds.enumerated() {
            let predicted = Self.model.predict(round: index, action: round.action, of: Self.log)
            #expect(close(predicted, expected[index], relative: 1e-5), "round \(index)")
        }
    }

    @Test(arguments: ["uniform", "logged"])
    func estimatorsMatchTheDocumentedFormulas(target: String) {
        let policy: any TargetPolicy =
            target == "uniform" ? UniformPolicy(actionCount: Self.log.actionCount) : LoggedPolicy()
        let result = OffPolicyEstimators.evaluate(policy, on: Self.log, model: Self.model, interval: .asymptotic)
        let expected = Self.reference[target] as! [String: Any]
        let estimates = ["ips": result.ips, "snips": result.snips, "dm": result.dm, "dr": result.dr]
        for (name, estimate) in estimates {
            let reference = expected[name] as! [String: Any]
            // IPS and SNIPS do not use the model: they agree to rounding. DM and DR carry the
            // two solvers' tolerance.
            let tolerance = name.hasSuffix("ips") ? 1e-12 : 1e-5
            #expect(close(estimate.value, Self.double(reference["value"]), relative: tolerance), "\(target) \(name)")
            #expect(close(estimate.ciLow, Self.double(reference["ci_low"]), relative: tolerance * 10), "\(target) \(name) low")
            #expect(close(estimate.ciHigh, Self.double(reference["ci_high"]), relative: tolerance * 10), "\(target) \(name) high")
        }
        #expect(close(result.effectiveSampleSize, Self.double(expected["ess"]), relative: 1e-12))
        #expect(close(result.maxWeight, Self.double(expected["max_weight"]), relative: 1e-12))
    }

    @Test func theLoggedPolicyEstimatesTheLogsOwnMeanReward() {
        let result = OffPolicyEstimators.evaluate(LoggedPolicy(), on: Self.log, model: Self.model, interval: .asymptotic)
        let mean = Self.double(Self.reference["mean_reward"])
        #expect(close(result.ips.value, mean, relative: 1e-12))
        #expect(close(result.snips.value, mean, relative: 1e-12))
        #expect(close(result.dr.value, mean, relative: 1e-12))
        #expect(result.effectiveSampleSize == Double(Self.log.rounds.count))
    }

    @Test func bootstrapIntervalsAgreeWithTheNormalOnesOnSixHundredRounds() {
        let policy = UniformPolicy(actionCount: Self.log.actionCount)
        let normal = OffPolicyEstimators.evaluate(policy, on: Self.log, model: Self.model, interval: .asymptotic)
        let bootstrap = OffPolicyEstimators.evaluate(
            policy, on: Self.log, model: Self.model, interval: .bootstrap(resamples: 2_000, seed: 7))
        for (a, b) in [(normal.ips, bootstrap.ips), (normal.snips, bootstrap.snips), (normal.dr, bootstrap.dr), (normal.dm, bootstrap.dm)] {
            #expect(a.value == b.value)
            let width = a.ciHigh - a.ciLow
            #expect(abs((b.ciHigh - b.ciLow) - width) < 0.2 * width, "widths \(a) \(b)")
            #expect(b.ciLow < b.value && b.value < b.ciHigh)
        }
        let again = OffPolicyEstimators.evaluate(
            policy, on: Self.log, model: Self.model, interval: .bootstrap(resamples: 2_000, seed: 7))
        #expect(again == bootstrap, "seeded: the same seed gives the same interval")
    }
}
