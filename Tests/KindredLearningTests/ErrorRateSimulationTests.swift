import Testing

@testable import KindredLearning

/// Seeded simulations with a known truth: the tests' error rates, not their formulas. Larger
/// runs are `kindred experiments calibrate` (bench/experiments.sh).
@Suite struct ErrorRateSimulationTests {
    @Test func twoThousandAATestsAtFivePercentDeclareAboutFivePercent() {
        let rates = ErrorRateSimulation.run(
            .init(experiments: 2000, days: 1, peoplePerArmPerDay: 2000, baseline: 0.1, seed: 14))
        #expect(rates.fixedOnce >= 0.04 && rates.fixedOnce <= 0.06, "false positive rate \(rates.fixedOnce)")
    }

    @Test func peekingDailyInflatesTheFixedTestButNotTheSequentialOne() {
        let rates = ErrorRateSimulation.run(
            .init(experiments: 2000, days: 20, peoplePerArmPerDay: 100, baseline: 0.1, seed: 15))
        #expect(rates.sequentialPeekingDaily <= 0.05, "sequential with daily peeking: \(rates.sequentialPeekingDaily)")
        #expect(rates.fixedPeekingDaily > 0.1, "fixed with daily peeking: \(rates.fixedPeekingDaily)")
        #expect(rates.fixedOnce >= 0.035 && rates.fixedOnce <= 0.065, "fixed looked at once: \(rates.fixedOnce)")
    }

    @Test func thePlannedSampleSizeReachesThePlannedPower() {
        let plan = PowerPlanning.proportions(baseline: 0.1, relativeLift: 0.2, alpha: 0.05, power: 0.8)
        let rates = ErrorRateSimulation.run(
            .init(experiments: 1000, days: 1, peoplePerArmPerDay: plan.peoplePerVariant, baseline: 0.1, relativeLift: 0.2, seed: 16))
        #expect(abs(rates.fixedOnce - 0.8) <= 0.04, "power \(rates.fixedOnce) at \(plan.peoplePerVariant) a side")
    }
}
