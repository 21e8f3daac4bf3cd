/// Ratio metrics, such as clicks per impression, where the person is the unit of
/// randomization but the ratio is over something each person has many of. Treating impressions
/// as independent would understate the variance (one keen clicker's impressions move together);
/// the delta method gives the variance of sum(clicks) / sum(impressions) from per-person sums.
public enum RatioMetric {
    /// The arm of a ratio metric: `moments.x` per person is the numerator (clicks), `moments.y`
    /// the denominator (impressions). The variance is per person, as for any other arm, so that
    /// variance / people is the variance of the ratio.
    public static func arm(_ moments: PairedMoments) -> ArmSummary {
        let n = moments.count
        let numeratorMean = moments.x.mean
        let denominatorMean = moments.y.mean
        guard n > 1, denominatorMean != 0 else {
            return ArmSummary(people: n, mean: 0, variance: 0)
        }
        let ratio = moments.x.sum / moments.y.sum
        let variance =
            moments.x.variance / (denominatorMean * denominatorMean)
            - 2 * moments.covariance * numeratorMean / (denominatorMean * denominatorMean * denominatorMean)
            + numeratorMean * numeratorMean * moments.y.variance / (denominatorMean * denominatorMean * denominatorMean * denominatorMean)
        return ArmSummary(people: n, mean: ratio, variance: max(0, variance))
    }
}
