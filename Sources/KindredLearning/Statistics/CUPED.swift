/// CUPED (Deng et al. 2013): subtract from each person's metric theta times the same metric
/// before they were exposed. Randomization makes the pre-exposure value independent of the
/// variant, so the effect is unchanged while the variance shrinks by the squared correlation.
public enum CUPED {
    public struct Adjusted: Sendable, Equatable {
        public var arms: [ArmSummary]
        /// The one coefficient used for every arm: pooled covariance over pooled pre-period variance.
        public var theta: Double
        /// 1 - (variance of the adjusted difference / variance of the unadjusted one), between
        /// the first arm and each other arm; the share of variance CUPED removed.
        public var varianceReduction: [Double]
    }

    /// `moments.x` per person is the metric after exposure, `moments.y` the same metric in the
    /// pre-exposure period. The first arm is the control.
    public static func adjust(_ arms: [PairedMoments]) -> Adjusted {
        let pooled = arms.dropFirst().reduce(arms[0], +)
        let theta = pooled.y.variance > 0 && pooled.x.variance > 0 ? pooled.covariance / pooled.y.variance : 0
        return adjust(arms, theta: theta)
    }

    /// The adjustment with a given theta (GrowthBook's published cases fix it).
    public static func adjust(_ arms: [PairedMoments], theta: Double) -> Adjusted {
        let adjusted = arms.map { arm -> ArmSummary in
            let variance = arm.x.variance + theta * theta * arm.y.variance - 2 * theta * arm.covariance
            return ArmSummary(
                people: arm.count, mean: arm.x.mean - theta * arm.y.mean, variance: max(0, variance),
                unadjustedMean: arm.x.mean)
        }
        let unadjusted = arms.map(\.x.arm)
        let reduction = (1..<max(1, arms.count)).map { index -> Double in
            let before = unadjusted[0].varianceOfMean + unadjusted[index].varianceOfMean
            let after = adjusted[0].varianceOfMean + adjusted[index].varianceOfMean
            return before > 0 ? 1 - after / before : 0
        }
        return Adjusted(arms: adjusted, theta: theta, varianceReduction: reduction)
    }
}
