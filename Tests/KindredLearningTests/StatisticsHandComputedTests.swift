import Foundation
import Testing

@testable import KindredLearning

/// Statistics on data small enough to work out by hand (the working is in each comment), and
/// GrowthBook's own published test cases for its frequentist engine.
@Suite struct StatisticsHandComputedTests {
    func close(_ a: Double, _ b: Double, _ tolerance: Double = 1e-9) -> Bool { abs(a - b) <= tolerance }

    @Test func welchOnThreeAgainstThree() throws {
        // [1, 2, 3] against [2, 4, 6]: means 2 and 4, variances 1 and 4. The difference's
        // variance is 1/3 + 4/3 = 5/3; t = 2 / sqrt(5/3); Welch's df = (5/3)^2 / ((1/3)^2/2 + (4/3)^2/2) = 50/17.
        var a = Moments()
        var b = Moments()
        [1.0, 2, 3].forEach { a.add($0) }
        [2.0, 4, 6].forEach { b.add($0) }
        let result = try FixedHorizonTest.compare(control: a.arm, treatment: b.arm, method: .welchT, level: 0.95)
        #expect(close(result.absolute.effect, 2))
        #expect(close(result.absolute.standardError, (5.0 / 3).squareRoot()))
        #expect(close(result.degreesOfFreedom!, 50.0 / 17))
        // Relative: 2 / 2 = 100%, variance 4/3 / 4 + 1/3 * 16 / 16 = 2/3.
        #expect(close(result.relative!.effect, 1))
        #expect(close(result.relative!.standardError, (2.0 / 3).squareRoot()))
        #expect(result.absolute.ciLow < 0 && result.absolute.pValue > 0.05, "three people a side prove nothing")
    }

    @Test func zTestOnFiftyAgainstSixtyPercent() throws {
        // 50 of 100 against 60 of 100: variance 0.25/100 + 0.24/100 = 0.0049, se 0.07,
        // z = 0.1 / 0.07 = 1.428571, p = 2 * (1 - Phi(1.428571)) = 0.153127.
        let result = try FixedHorizonTest.compare(
            control: .proportion(people: 100, conversions: 50), treatment: .proportion(people: 100, conversions: 60),
            method: .twoProportionZ, level: 0.95)
        #expect(close(result.absolute.standardError, 0.07))
        #expect(close(result.absolute.pValue, 0.1531267, 1e-6))
        #expect(close(result.absolute.ciLow, 0.1 - 1.959964 * 0.07, 1e-6))
    }

    @Test func aControlThatNeverConvertsHasNoRelativeEffect() throws {
        let result = try FixedHorizonTest.compare(
            control: .proportion(people: 50, conversions: 0), treatment: .proportion(people: 50, conversions: 3),
            method: .twoProportionZ, level: 0.95)
        #expect(result.relative == nil)
        #expect(result.absolute.effect == 0.06)
        #expect(throws: ComparisonProblem.zeroVariance) {
            try FixedHorizonTest.compare(
                control: .proportion(people: 50, conversions: 0), treatment: .proportion(people: 50, conversions: 0),
                method: .twoProportionZ, level: 0.95)
        }
        #expect(throws: ComparisonProblem.tooFewPeople) {
            try FixedHorizonTest.compare(
                control: .proportion(people: 1, conversions: 1), treatment: .proportion(people: 50, conversions: 0),
                method: .twoProportionZ, level: 0.95)
        }
    }

    @Test func sampleRatioMismatchOnSixtyForty() {
        // 60 and 40 against 50/50: chi-square = 100/50 + 100/50 = 4 on 1 df, p = 2 * Phi(-2) = 0.0455003.
        let srm = SampleRatioMismatch.test(counts: [60, 40], weights: [1, 1])
        #expect(close(srm.chiSquare, 4))
        #expect(close(srm.pValue, 0.0455003, 1e-7))
        #expect(!srm.flagged)
        #expect(SampleRatioMismatch.test(counts: [6000, 4000], weights: [50, 50]).flagged)
        #expect(!SampleRatioMismatch.test(counts: [6000, 4000], weights: [60, 40]).flagged)
    }

    @Test func correctionsOnFourPValues() {
        // Holm: sorted p times (m - rank), made monotone: 0.04, 0.06, 0.06, 0.06.
        // BH: p times m / rank, made monotone from the top: all 0.04.
        let p = [0.03, 0.01, 0.04, 0.02]
        let holm = MultipleComparisonCorrection.holm.adjust(p)
        let bh = MultipleComparisonCorrection.benjaminiHochberg.adjust(p)
        for (actual, expected) in zip(holm, [0.06, 0.04, 0.06, 0.06]) { #expect(close(actual, expected)) }
        for actual in bh { #expect(close(actual, 0.04)) }
    }

    @Test func ratioOfTwoPeople() {
        // (clicks, impressions) (1, 2) and (3, 2): ratio 4/4 = 1. Clicks have mean 2, variance 2;
        // impressions do not vary; so the per-person variance is 2 / 2^2 = 0.5.
        var m = PairedMoments()
        m.add(x: 1, y: 2)
        m.add(x: 3, y: 2)
        let arm = RatioMetric.arm(m)
        #expect(arm.mean == 1)
        #expect(close(arm.variance, 0.5))
    }

    @Test func cupedRemovesWhatThePrePeriodExplains() {
        // Post = pre + 1 exactly: theta = 1 and the adjusted metric does not vary at all.
        var control = PairedMoments()
        var treatment = PairedMoments()
        for pre in [1.0, 4, 2, 8] { control.add(x: pre + 1, y: pre) }
        for pre in [3.0, 5, 9, 1] { treatment.add(x: pre + 1, y: pre) }
        let adjusted = CUPED.adjust([control, treatment])
        #expect(close(adjusted.theta, 1))
        #expect(close(adjusted.varianceReduction[0], 1))
        #expect(adjusted.arms[0].unadjustedMean == 4.75)
    }

    @Test func sequentialIntervalsAreWiderThanFixedOnes() throws {
        let a = ArmSummary.proportion(people: 4000, conversions: 400)
        let b = ArmSummary.proportion(people: 4000, conversions: 460)
        let fixed = try FixedHorizonTest.compare(control: a, treatment: b, method: .twoProportionZ, level: 0.95)
        let sequential = try SequentialTest.compare(control: a, treatment: b, level: 0.95)
        #expect(sequential.absolute.ciHigh - sequential.absolute.ciLow > fixed.absolute.ciHigh - fixed.absolute.ciLow)
        #expect(sequential.absolute.pValue > fixed.absolute.pValue)
        #expect(sequential.method == .sequential)
    }

    // GrowthBook's published cases: packages/stats/tests/frequentist/test_tests.py in
    // growthbook/growthbook, expected values rounded to five decimals as published there.

    let published = 5e-6

    func expect(_ e: EffectEstimate?, _ effect: Double, _ ci: [Double], _ sd: Double, _ p: Double) {
        guard let e else {
            Issue.record("no estimate")
            return
        }
        #expect(close(e.effect, effect, published), "effect \(e.effect)")
        #expect(close(e.ciLow, ci[0], published) && close(e.ciHigh, ci[1], published), "ci \(e.ciLow) \(e.ciHigh)")
        #expect(close(e.standardError, sd, published), "sd \(e.standardError)")
        #expect(close(e.pValue, p, published), "p \(e.pValue)")
    }

    let controlSums = Moments(count: 3407, sum: 1396.87, sumOfSquares: 52377.9767)
    let treatmentSums = Moments(count: 3461, sum: 2422.7, sumOfSquares: 134698.29)

    @Test func growthBookTwoSidedTTest() throws {
        let result = try FixedHorizonTest.compare(control: controlSums.arm, treatment: treatmentSums.arm, method: .welchT, level: 0.95)
        expect(result.relative, 0.70732, [-0.03526, 1.44989], 0.37879, 0.06191)
        expect(result.absolute, 0.29, [0.04538, 0.53462], 0.12478, 0.02016)
    }

    @Test func growthBookTwoSidedTTestOnProportions() throws {
        // GrowthBook runs its t-test on proportions too (variance p(1 - p), Welch's df).
        let result = try FixedHorizonTest.compare(
            control: .proportion(people: 28, conversions: 14), treatment: .proportion(people: 30, conversions: 16), method: .welchT,
            level: 0.95)
        expect(result.relative, 0.06667, [-0.47767, 0.61101], 0.2717, 0.80707)
    }

    @Test func growthBookSequentialTests() throws {
        let control = Moments(count: 3000, sum: 1396.87, sumOfSquares: 52377.9767)
        let means = try SequentialTest.compare(control: control.arm, treatment: treatmentSums.arm, level: 0.95, tuning: 1000)
        expect(means.relative, 0.50336, [-0.55844, 1.56516], 0.33341, 1)
        let proportions = try SequentialTest.compare(
            control: .proportion(people: 3000, conversions: 1396), treatment: .proportion(people: 3461, conversions: 2422), level: 0.95)
        expect(proportions.relative, 0.50386, [0.40098, 0.60675], 0.03386, 0)
    }

    @Test func growthBookSequentialRegressionAdjusted() throws {
        let control = PairedMoments(
            x: Moments(count: 3000, sum: 1396.87, sumOfSquares: 52377.9767), y: Moments(count: 3000, sum: 16.87, sumOfSquares: 527.9767),
            sumOfProducts: 12525)
        let treatment = PairedMoments(
            x: treatmentSums, y: Moments(count: 3461, sum: 22.7, sumOfSquares: 1348.29), sumOfProducts: 3333)
        let adjusted = CUPED.adjust([control, treatment], theta: 0.5)
        let result = try SequentialTest.compare(control: adjusted.arms[0], treatment: adjusted.arms[1], level: 0.95)
        expect(result.relative, 0.50236, [-0.43745, 1.44217], 0.3093, 1)
    }
}
