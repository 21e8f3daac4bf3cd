/// Sample ratio mismatch: whether the people counted in each variant fit the weights they were
/// drawn with. A mismatch means assignment or logging is broken (a variant that crashes for
/// some browsers, a bot filter that favours one arm), and then no effect can be trusted: a
/// report shows this before any effect.
public struct SampleRatioMismatch: Sendable, Equatable, Codable {
    public var chiSquare: Double
    public var degreesOfFreedom: Int
    public var pValue: Double
    /// True below `threshold`: a p-value that small happens by chance once in a thousand.
    public var flagged: Bool
    public var expectedShares: [Double]
    public var method = "pearson_chi_square"

    public static let threshold = 0.001

    /// Pearson's chi-square goodness of fit of `counts` against `weights` (any positive scale).
    public static func test(counts: [Double], weights: [Double]) -> SampleRatioMismatch {
        precondition(counts.count == weights.count && counts.count >= 2, "one count and one weight per variant")
        let total = counts.reduce(0, +)
        let weightTotal = weights.reduce(0, +)
        let shares = weights.map { $0 / weightTotal }
        var statistic = 0.0
        for (count, share) in zip(counts, shares) {
            let expected = total * share
            if expected > 0 { statistic += (count - expected) * (count - expected) / expected }
        }
        let df = counts.count - 1
        let p = total > 0 ? ChiSquare.survival(statistic, degreesOfFreedom: Double(df)) : 1
        return SampleRatioMismatch(
            chiSquare: statistic, degreesOfFreedom: df, pValue: p, flagged: p < threshold, expectedShares: shares)
    }
}
