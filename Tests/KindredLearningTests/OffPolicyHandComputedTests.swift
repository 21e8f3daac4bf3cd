import Foundation
import Testing

@testable import KindredLearning

/// Off-policy estimators, logistic regression and target policies on logs small enough to
/// work out by hand.
@Suite struct OffPolicyHandComputedTests {
    /// Four rounds: weights 2, 0.5, 1, 4; rewards 1, 0, 1, 0; model's direct terms 0.5, 0.25,
    /// 0.5, 0.25; predictions for the logged actions 0.75, 0.25, 0.5, 0.5.
    ///   IPS   = (2 + 0 + 1 + 0) / 4 = 0.75
    ///   SNIPS = 3 / 7.5 = 0.4
    ///   DM    = 1.5 / 4 = 0.375
    ///   DR    = mean(0.5 + 2 x 0.25, 0.25 + 0.5 x -0.25, 0.5 + 1 x 0.5, 0.25 + 4 x -0.5)
    ///         = mean(1, 0.125, 1, -1.75) = 0.09375
    ///   ESS   = 7.5^2 / (4 + 0.25 + 1 + 16) = 56.25 / 21.25
    @Test func fourRoundsByHand() {
        let result = OffPolicyEstimators.estimate(
            weights: [2, 0.5, 1, 4], rewards: [1, 0, 1, 0], directTerms: [0.5, 0.25, 0.5, 0.25],
            loggedPredictions: [0.75, 0.25, 0.5, 0.5], interval: .asymptotic)
        #expect(result.ips.value == 0.75)
        #expect(abs(result.snips.value - 0.4) < 1e-15)
        #expect(result.dm.value == 0.375)
        #expect(result.dr.value == 0.09375)
        #expect(abs(result.effectiveSampleSize - 56.25 / 21.25) < 1e-12)
        #expect(result.maxWeight == 4)
        #expect(result.meanWeight == 1.875)
        // IPS terms 2, 0, 1, 0: mean 0.75, sample variance (1.5625 + 0.5625 + 0.0625 + 0.5625) / 3
        // = 0.916666..., standard error sqrt(0.916666 / 4) = 0.478714; z = 1.959964.
        let error = (2.75 / 3 / 4).squareRoot()
        #expect(abs(result.ips.ciLow - (0.75 - 1.959963984540054 * error)) < 1e-9)
        #expect(abs(result.ips.ciHigh - (0.75 + 1.959963984540054 * error)) < 1e-9)
        // SNIPS by the delta method: sum w^2 (r - 0.4)^2 = 4 x 0.36 + 0.25 x 0.16 + 1 x 0.36 + 16 x 0.16
        // = 1.44 + 0.04 + 0.36 + 2.56 = 4.4; error sqrt(4.4) / 7.5.
        let snipsError = 4.4.squareRoot() / 7.5
        #expect(abs(result.snips.ciHigh - (0.4 + 1.959963984540054 * snipsError)) < 1e-9)
    }

    @Test func bootstrapOfOneRepeatedRoundHasNoWidth() {
        let result = OffPolicyEstimators.estimate(
            weights: [2, 2, 2], rewards: [1, 1, 1], directTerms: [0.5, 0.5, 0.5], loggedPredictions: [0.5, 0.5, 0.5],
            interval: .bootstrap(resamples: 50, seed: 1))
        #expect(result.ips == PolicyValueEstimate(value: 2, ciLow: 2, ciHigh: 2))
        #expect(result.snips == PolicyValueEstimate(value: 1, ciLow: 1, ciHigh: 1))
        #expect(result.dr == PolicyValueEstimate(value: 1.5, ciLow: 1.5, ciHigh: 1.5))
    }

    @Test func percentilesInterpolateAsNumpyDoes() {
        // numpy.percentile([1, 2, 3, 4, 10], [2.5, 97.5]) = [1.1, 9.4]
        let sorted: [Double] = [1, 2, 3, 4, 10]
        #expect(abs(OffPolicyEstimators.quantile(sorted, 0.025) - 1.1) < 1e-12)
        #expect(abs(OffPolicyEstimators.quantile(sorted, 0.975) - 9.4) < 1e-12)
    }

    /// With only an intercept and a penalty that does not touch it, the fit is the log-odds of
    /// the mean label: 1 positive in 4 gives log(1/3).
    @Test func interceptOnlyLogisticRegressionIsTheLogOdds() {
        var design = SparseRows(columnCount: 1)
        for _ in 0..<4 { design.append(columns: [0], values: [1]) }
        let fit = LogisticRegression.fit(design, labels: [1, 0, 0, 0], l2: 1)
        #expect(abs(fit.weights[0] - log(1.0 / 3)) < 1e-10)
        #expect(abs(fit.probability(row: 0, of: design) - 0.25) < 1e-10)
    }

    /// One feature x in {0, 1} with x = 1 on the positives: the penalized optimum satisfies
    /// the two stationarity equations, checked here rather than a closed form.
    @Test func penalizedFitIsStationary() {
        var design = SparseRows(columnCount: 2)
        let xs: [Double] = [1, 1, 0, 0, 1, 0]
        let ys: [Double] = [1, 1, 0, 0, 0, 1]
        for x in xs { design.append(columns: [0, 1], values: [1, x]) }
        let fit = LogisticRegression.fit(design, labels: ys, l2: 0.5)
        var gradient = [0.0, 0.0]
        for i in 0..<xs.count {
            let residual = fit.probability(row: i, of: design) - ys[i]
            gradient[0] += residual
            gradient[1] += residual * xs[i]
        }
        gradient[1] += 0.5 * fit.weights[1]
        #expect(abs(gradient[0]) < 1e-10 && abs(gradient[1]) < 1e-10, "\(gradient)")
        #expect(fit.weights[1] > 0, "x = 1 goes with the positives")
    }

    @Test func uniformPolicyAveragesTheModelOverActions() {
        let log = BanditLog(
            rounds: [BanditRound(timestampMs: 0, action: 1, slot: 0, reward: 1, propensity: 0.5, context: [])],
            actionCount: 4, slotCount: 1, contextValueCount: 0)
        let policy = UniformPolicy(actionCount: 4)
        #expect(policy.probability(of: 1, inRound: 0, of: log) == 0.25)
        #expect(policy.expectation(inRound: 0, of: log) { Double($0) } == 1.5)
    }

    /// The timeline policy takes the propensity recorded nearest before the round's time for
    /// the action and slot, the first one after when none is before, and 0 for a pair never seen,
    /// and normalizes them over the slot's actions.
    @Test func timelinePolicyReadsTheRecordedPropensityNearestBefore() {
        let source = BanditLog(
            rounds: [
                BanditRound(timestampMs: 100, action: 0, slot: 0, reward: 0, propensity: 0.6, context: []),
                BanditRound(timestampMs: 200, action: 0, slot: 0, reward: 0, propensity: 0.2, context: []),
                BanditRound(timestampMs: 150, action: 1, slot: 0, reward: 1, propensity: 0.3, context: []),
                BanditRound(timestampMs: 150, action: 1, slot: 1, reward: 0, propensity: 0.9, context: []),
            ],
            actionCount: 3, slotCount: 2, contextValueCount: 0)
        let policy = PropensityTimelinePolicy(name: "bts", source: source)
        let evaluated = BanditLog(
            rounds: [
                BanditRound(timestampMs: 50, action: 0, slot: 0, reward: 0, propensity: 1.0 / 3, context: []),
                BanditRound(timestampMs: 170, action: 0, slot: 0, reward: 0, propensity: 1.0 / 3, context: []),
                BanditRound(timestampMs: 250, action: 2, slot: 0, reward: 0, propensity: 1.0 / 3, context: []),
            ],
            actionCount: 3, slotCount: 2, contextValueCount: 0)
        // At 50: action 0 at 0.6 (its first record), action 1 at 0.3: normalized 2/3 and 1/3.
        #expect(policy.recorded(action: 0, slot: 0, at: 50) == 0.6, "before any record: the first")
        #expect(policy.recorded(action: 0, slot: 0, at: 170) == 0.6, "170 is after 100 and before 200")
        #expect(policy.recorded(action: 0, slot: 0, at: 250) == 0.2)
        #expect(policy.recorded(action: 1, slot: 1, at: 250) == 0.9, "slots are apart")
        #expect(abs(policy.probability(of: 0, inRound: 0, of: evaluated) - 2.0 / 3) < 1e-12)
        #expect(abs(policy.recordedMass(inRound: 1, of: evaluated) - 0.9) < 1e-12)
        // At 250 in slot 0: action 0 at 0.2, action 1 at 0.3, action 2 never recorded: 0.4, 0.6, 0.
        #expect(abs(policy.recordedMass(inRound: 2, of: evaluated) - 0.5) < 1e-12)
        #expect(abs(policy.probability(of: 0, inRound: 2, of: evaluated) - 0.4) < 1e-12)
        #expect(policy.probability(of: 2, inRound: 2, of: evaluated) == 0, "never recorded")
        #expect(abs(policy.expectation(inRound: 2, of: evaluated) { [1, 10, 100][$0] } - (0.4 + 6)) < 1e-12)
    }
}
