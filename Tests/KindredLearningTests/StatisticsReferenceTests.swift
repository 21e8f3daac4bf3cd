import Foundation
import Testing

@testable import KindredLearning

/// Kindred's statistics against scipy, statsmodels and gbstats (GrowthBook's engine from PyPI)
/// on fixed inputs. The values were made by scripts/reference/statistics_reference.py; the
/// inputs are in the same file, so each case is recomputed here from the same numbers.
@Suite struct StatisticsReferenceTests {
    nonisolated(unsafe) static let reference: [String: Any] = {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("Reference/statistics_reference.json")
        let data = try! Data(contentsOf: url)
        return try! JSONSerialization.jsonObject(with: data) as! [String: Any]
    }()

    static func cases(_ key: String) -> [[String: Any]] { reference[key] as! [[String: Any]] }
    static func object(_ key: String) -> [String: Any] { reference[key] as! [String: Any] }

    func close(_ actual: Double, _ expected: Double, relative: Double = 1e-9, absolute: Double = 1e-12) -> Bool {
        abs(actual - expected) <= max(absolute, relative * abs(expected))
    }

    func double(_ any: Any?) -> Double { (any as! NSNumber).doubleValue }
    func doubles(_ any: Any?) -> [Double] { (any as! [Any]).map { double($0) } }

    func moments(_ values: [Double]) -> Moments {
        var m = Moments()
        values.forEach { m.add($0) }
        return m
    }

    @Test func normalDistributionMatchesScipy() {
        for c in Self.cases("normal") {
            let x = double(c["x"])
            #expect(close(Normal.cdf(x), double(c["cdf"]), relative: 1e-12), "cdf(\(x))")
            #expect(close(Normal.survival(x), double(c["sf"]), relative: 1e-12), "sf(\(x))")
        }
        for c in Self.cases("normal_quantile") {
            #expect(close(Normal.quantile(double(c["p"])), double(c["q"]), relative: 1e-12), "ppf(\(double(c["p"])))")
        }
    }

    @Test func studentTMatchesScipy() {
        for c in Self.cases("t") {
            let t = double(c["t"])
            let df = double(c["df"])
            #expect(close(StudentT.cdf(t, degreesOfFreedom: df), double(c["cdf"]), relative: 1e-10), "cdf(\(t), \(df))")
            #expect(
                close(StudentT.twoSidedPValue(t, degreesOfFreedom: df), double(c["two_sided_p"]), relative: 1e-10),
                "p(\(t), \(df))")
        }
        for c in Self.cases("t_quantile") {
            let p = double(c["p"])
            let df = double(c["df"])
            #expect(close(StudentT.quantile(p, degreesOfFreedom: df), double(c["q"]), relative: 1e-10), "ppf(\(p), \(df))")
        }
    }

    @Test func chiSquareMatchesScipy() {
        for c in Self.cases("chi2") {
            let x = double(c["x"])
            let k = double(c["df"])
            #expect(close(ChiSquare.survival(x, degreesOfFreedom: k), double(c["sf"]), relative: 1e-10), "sf(\(x), \(k))")
        }
    }

    @Test func welchTestMatchesScipy() throws {
        for c in Self.cases("welch") {
            let control = moments(doubles(c["control"])).arm
            let treatment = moments(doubles(c["treatment"])).arm
            let at95 = try FixedHorizonTest.compare(control: control, treatment: treatment, method: .welchT, level: 0.95)
            let at90 = try FixedHorizonTest.compare(control: control, treatment: treatment, method: .welchT, level: 0.90)
            #expect(close(at95.degreesOfFreedom!, double(c["df"])))
            #expect(close(at95.absolute.effect / at95.absolute.standardError, double(c["statistic"])))
            #expect(close(at95.absolute.pValue, double(c["p_value"]), relative: 1e-9))
            #expect(close(at95.absolute.ciLow, doubles(c["ci95"])[0]) && close(at95.absolute.ciHigh, doubles(c["ci95"])[1]))
            #expect(close(at90.absolute.ciLow, doubles(c["ci90"])[0]) && close(at90.absolute.ciHigh, doubles(c["ci90"])[1]))
        }
    }

    @Test func twoProportionZTestMatchesStatsmodels() throws {
        for c in Self.cases("two_proportion") {
            let a = doubles(c["control"])
            let b = doubles(c["treatment"])
            let result = try FixedHorizonTest.compare(
                control: .proportion(people: a[1], conversions: a[0]), treatment: .proportion(people: b[1], conversions: b[0]),
                method: .twoProportionZ, level: 0.95)
            #expect(result.degreesOfFreedom == nil)
            #expect(close(result.absolute.effect / result.absolute.standardError, double(c["statistic"])))
            #expect(close(result.absolute.pValue, double(c["p_value"]), relative: 1e-9))
            #expect(close(result.absolute.ciLow, doubles(c["ci95"])[0]) && close(result.absolute.ciHigh, doubles(c["ci95"])[1]))
        }
    }

    @Test func sampleRatioMismatchMatchesScipy() {
        for c in Self.cases("srm") {
            let srm = SampleRatioMismatch.test(counts: doubles(c["counts"]), weights: doubles(c["weights"]))
            #expect(close(srm.chiSquare, double(c["chi_square"])))
            #expect(close(srm.pValue, double(c["p_value"]), relative: 1e-9))
            #expect(srm.flagged == (double(c["p_value"]) < 0.001))
        }
    }

    @Test func correctionsMatchStatsmodels() {
        let c = Self.object("multiple")
        let p = doubles(c["p_values"])
        for (actual, expected) in zip(MultipleComparisonCorrection.holm.adjust(p), doubles(c["holm"])) {
            #expect(close(actual, expected))
        }
        for (actual, expected) in zip(MultipleComparisonCorrection.benjaminiHochberg.adjust(p), doubles(c["bh"])) {
            #expect(close(actual, expected))
        }
        #expect(MultipleComparisonCorrection.none.adjust(p) == p)
    }

    @Test func sampleSizesMatchStatsmodels() {
        for c in Self.cases("power") {
            let plan = PowerPlanning.proportions(
                baseline: double(c["baseline"]), relativeLift: double(c["lift"]), alpha: double(c["alpha"]), power: double(c["power"]))
            #expect(close(plan.effectSize, double(c["effect_size"])))
            let exact = PowerPlanning.peopleForNormalTest(
                effectSize: abs(plan.effectSize), alpha: double(c["alpha"]), power: double(c["power"]))
            #expect(close(exact, double(c["people"]), relative: 1e-6))
            #expect(plan.peoplePerVariant == Int(double(c["people"]).rounded(.up)))
        }
    }

    func expect(_ estimate: EffectEstimate?, matches reference: Any?, _ label: String, relative: Double = 1e-9) {
        let r = reference as! [String: Any]
        guard let estimate else {
            Issue.record("\(label): no estimate")
            return
        }
        #expect(close(estimate.effect, double(r["effect"]), relative: relative), "\(label) effect")
        #expect(close(estimate.ciLow, doubles(r["ci"])[0], relative: relative), "\(label) ci low")
        #expect(close(estimate.ciHigh, doubles(r["ci"])[1], relative: relative), "\(label) ci high")
        #expect(close(estimate.pValue, double(r["p_value"]), relative: relative, absolute: 1e-15), "\(label) p")
        #expect(close(estimate.standardError, double(r["sd"]), relative: relative), "\(label) sd")
    }

    @Test func meansMatchGrowthBooksEngine() throws {
        for c in Self.cases("gbstats_means") {
            let control = moments(doubles(c["control"])).arm
            let treatment = moments(doubles(c["treatment"])).arm
            let at95 = try FixedHorizonTest.compare(control: control, treatment: treatment, method: .welchT, level: 0.95)
            expect(at95.relative, matches: c["relative"], "relative")
            expect(at95.absolute, matches: c["absolute"], "absolute")
            let at90 = try FixedHorizonTest.compare(control: control, treatment: treatment, method: .welchT, level: 0.90)
            expect(at90.relative, matches: c["relative_90"], "relative at 90%")
            let sequential = try SequentialTest.compare(control: control, treatment: treatment, level: 0.95)
            expect(sequential.relative, matches: c["sequential_relative"], "sequential relative")
            let tuned = try SequentialTest.compare(control: control, treatment: treatment, level: 0.95, tuning: 200)
            expect(tuned.absolute, matches: c["sequential_absolute_tuned"], "sequential absolute, tuning 200")
        }
    }

    func paired(_ x: [Double], _ y: [Double]) -> PairedMoments {
        var m = PairedMoments()
        for (a, b) in zip(x, y) { m.add(x: a, y: b) }
        return m
    }

    @Test func ratioMetricsMatchGrowthBooksDeltaMethod() throws {
        let c = Self.object("gbstats_ratio")
        let side = { (key: String) -> ArmSummary in
            let arm = c[key] as! [String: Any]
            return RatioMetric.arm(self.paired(self.doubles(arm["numerator"]), self.doubles(arm["denominator"])))
        }
        let control = side("control")
        let treatment = side("treatment")
        #expect(close(control.mean, double(c["control_mean"])))
        #expect(close(control.variance, double(c["control_variance"])))
        let result = try FixedHorizonTest.compare(control: control, treatment: treatment, method: .welchT, level: 0.95)
        expect(result.relative, matches: c["relative"], "ratio relative")
        expect(result.absolute, matches: c["absolute"], "ratio absolute")
    }

    @Test func cupedMatchesGrowthBooksRegressionAdjustment() throws {
        let c = Self.object("gbstats_cuped")
        let side = { (key: String) -> PairedMoments in
            let arm = c[key] as! [String: Any]
            return self.paired(self.doubles(arm["post"]), self.doubles(arm["pre"]))
        }
        let adjusted = CUPED.adjust([side("control"), side("treatment")])
        #expect(close(adjusted.theta, double(c["theta"])))
        let result = try FixedHorizonTest.compare(
            control: adjusted.arms[0], treatment: adjusted.arms[1], method: .welchT, level: 0.95)
        expect(result.relative, matches: c["relative"], "CUPED relative")
        expect(result.absolute, matches: c["absolute"], "CUPED absolute")
        let plain = c["unadjusted_absolute"] as! [String: Any]
        let expectedReduction = 1 - pow(double((c["absolute"] as! [String: Any])["sd"]) / double(plain["sd"]), 2)
        #expect(close(adjusted.varianceReduction[0], expectedReduction, relative: 1e-9))
        #expect(adjusted.varianceReduction[0] > 0.5, "the pre-period explains most of the variance here")
    }
}
