import Foundation

/// Always-valid inference: an interval and p-value that stay honest however often they are
/// looked at. A fixed-horizon test checked every day and stopped at the first p < 0.05 declares
/// far more than 5% of null experiments winners; this one does not. The cost is a wider
/// interval, narrowest when the total number of people is near the tuning parameter.
///
/// The Gaussian asymptotic confidence sequence of Waudby-Smith et al. 2023 (arXiv 2103.06476v7,
/// eq. 9, with the rho of eq. 161 and the e-value of eq. 155), as GrowthBook computes it.
public enum SequentialTest {
    public static let defaultTuning = 5000.0

    public static func compare(
        control: ArmSummary, treatment: ArmSummary, level: Double, tuning: Double = defaultTuning
    ) throws -> Comparison {
        precondition(tuning > 0, "the tuning parameter is a positive number of people")
        let alpha = 1 - level
        let moments = try EffectMoments(control: control, treatment: treatment)
        let total = control.people + treatment.people
        let rhoSquared = (-2 * log(alpha) + log(-2 * log(alpha) + 1)) / tuning
        let spread = total * rhoSquared + 1
        func estimate(_ effect: Double, variance: Double) -> EffectEstimate {
            let perPerson = variance * total
            let halfWidth = perPerson.squareRoot()
                * (2 * spread * log(spread.squareRoot() / alpha) / (total * total * rhoSquared)).squareRoot()
            let standardised = effect * effect * total / variance
            let eValue = exp(rhoSquared * standardised / (2 * spread)) / spread.squareRoot()
            return EffectEstimate(
                effect: effect, ciLow: effect - halfWidth, ciHigh: effect + halfWidth, pValue: min(1, 1 / eValue),
                standardError: variance.squareRoot())
        }
        return try Comparison(
            absolute: estimate(moments.absoluteEffect, variance: moments.absoluteVariance),
            relative: moments.relativeEffect.map { estimate($0, variance: moments.relativeVariance!) },
            method: .sequential, degreesOfFreedom: nil
        ).checked()
    }
}
