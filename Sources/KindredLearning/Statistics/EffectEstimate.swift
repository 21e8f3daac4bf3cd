/// One effect with its interval and p-value, in the shape every report and `--json` uses.
public struct EffectEstimate: Sendable, Equatable, Codable {
    public var effect: Double
    public var ciLow: Double
    public var ciHigh: Double
    public var pValue: Double
    public var standardError: Double

    public init(effect: Double, ciLow: Double, ciHigh: Double, pValue: Double, standardError: Double) {
        self.effect = effect
        self.ciLow = ciLow
        self.ciHigh = ciHigh
        self.pValue = pValue
        self.standardError = standardError
    }
}

/// How a comparison was computed, named in every report so that a reader can check it.
public enum ComparisonMethod: String, Sendable, Codable, CaseIterable {
    /// Welch's t-test, Welch-Satterthwaite degrees of freedom: for means.
    case welchT = "welch_t"
    /// The two-proportion z-test with unpooled (Wald) standard errors: for conversion rates.
    case twoProportionZ = "two_proportion_z"
    /// Always-valid: Gaussian asymptotic confidence sequences (Waudby-Smith et al. 2023),
    /// as GrowthBook's sequential engine computes them. Safe to look at every day.
    case sequential = "gaussian_confidence_sequence"
}

/// A treatment against the control: the difference in means, and the difference relative to
/// the control's mean with its interval by the delta method.
public struct Comparison: Sendable, Equatable, Codable {
    public var absolute: EffectEstimate
    /// Absent when the control's mean is zero, where a relative effect means nothing.
    public var relative: EffectEstimate?
    public var method: ComparisonMethod
    /// Welch-Satterthwaite degrees of freedom, for the t-test only.
    public var degreesOfFreedom: Double?

    /// Every number finite, or `outOfRange`: a report never carries a NaN.
    func checked() throws -> Comparison {
        let estimates = [absolute] + (relative.map { [$0] } ?? [])
        let numbers = estimates.flatMap { [$0.effect, $0.ciLow, $0.ciHigh, $0.pValue, $0.standardError] }
        guard numbers.allSatisfy(\.isFinite) else { throw ComparisonProblem.outOfRange }
        return self
    }
}

/// Why two arms cannot be compared; reports show the reason instead of a number.
public enum ComparisonProblem: Error, Sendable, Equatable, CustomStringConvertible {
    case tooFewPeople
    case zeroVariance
    /// The numbers are beyond what double precision can carry through the test.
    case outOfRange

    public var description: String {
        switch self {
        case .tooFewPeople: "each variant needs at least two people"
        case .zeroVariance: "the metric does not vary within the variants"
        case .outOfRange: "the numbers are too extreme to compare in double precision"
        }
    }
}
