import Foundation

/// The classical tests, valid when the data are looked at once, at the planned sample size.
public enum FixedHorizonTest {
    /// Compares a treatment with the control at a confidence level such as 0.95. `method` is
    /// `.welchT` for means and `.twoProportionZ` for proportions (arms from `ArmSummary.proportion`).
    public static func compare(
        control: ArmSummary, treatment: ArmSummary, method: ComparisonMethod, level: Double
    ) throws -> Comparison {
        precondition(method != .sequential, "sequential comparisons are SequentialTest's")
        let alpha = 1 - level
        let moments = try EffectMoments(control: control, treatment: treatment)
        let df = method == .welchT ? moments.welchDegreesOfFreedom : Double.infinity
        guard !df.isNaN, df > 0 else { throw ComparisonProblem.outOfRange }
        let critical = df.isInfinite ? Normal.quantile(1 - alpha / 2) : StudentT.quantile(1 - alpha / 2, degreesOfFreedom: df)
        func estimate(_ effect: Double, variance: Double) -> EffectEstimate {
            let standardError = variance.squareRoot()
            let statistic = effect / standardError
            return EffectEstimate(
                effect: effect, ciLow: effect - critical * standardError, ciHigh: effect + critical * standardError,
                pValue: StudentT.twoSidedPValue(statistic, degreesOfFreedom: df), standardError: standardError)
        }
        return try Comparison(
            absolute: estimate(moments.absoluteEffect, variance: moments.absoluteVariance),
            relative: moments.relativeEffect.map { estimate($0, variance: moments.relativeVariance!) },
            method: method, degreesOfFreedom: df.isInfinite ? nil : df
        ).checked()
    }
}

/// The point estimates and variances of a comparison, shared by the fixed and sequential tests.
struct EffectMoments {
    var control: ArmSummary
    var treatment: ArmSummary

    init(control: ArmSummary, treatment: ArmSummary) throws {
        guard control.people >= 2, treatment.people >= 2 else { throw ComparisonProblem.tooFewPeople }
        guard control.variance > 0 || treatment.variance > 0 else { throw ComparisonProblem.zeroVariance }
        self.control = control
        self.treatment = treatment
    }

    var absoluteEffect: Double { treatment.mean - control.mean }
    var absoluteVariance: Double { control.varianceOfMean + treatment.varianceOfMean }

    /// (treatment - control) / control, the control's mean taken before any CUPED adjustment.
    var relativeEffect: Double? {
        control.unadjustedMean == 0 ? nil : (treatment.mean - control.mean) / control.unadjustedMean
    }

    /// The delta method's variance of the relative effect.
    var relativeVariance: Double? {
        let base = control.unadjustedMean
        guard base != 0 else { return nil }
        let lift = treatment.unadjustedMean
        return treatment.varianceOfMean / (base * base) + control.varianceOfMean * lift * lift / (base * base * base * base)
    }

    var welchDegreesOfFreedom: Double {
        let a = control.varianceOfMean
        let b = treatment.varianceOfMean
        return (a + b) * (a + b) / (a * a / (control.people - 1) + b * b / (treatment.people - 1))
    }
}
