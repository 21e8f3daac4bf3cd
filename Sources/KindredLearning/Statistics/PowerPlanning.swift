import Foundation

/// How many people an experiment needs before it starts, so that a shop does not stop at the
/// first exciting number. Two-sided, one treatment against the control, equal split.
public enum PowerPlanning {
    public struct Plan: Sendable, Equatable, Codable {
        /// Rounded up: the least whole number of people that reaches the power.
        public var peoplePerVariant: Int
        /// Cohen's h for proportions, Cohen's d for means.
        public var effectSize: Double
        public var method: String
        public var alpha: Double
        public var power: Double
    }

    /// A conversion rate `baseline` that the treatment moves by `relativeLift` (0.1 = 10%),
    /// sized on Cohen's h = 2 asin(sqrt p2) - 2 asin(sqrt p1), the arcsine transform that
    /// makes a proportion's variance constant (as statsmodels' NormalIndPower with
    /// proportion_effectsize sizes it).
    public static func proportions(baseline: Double, relativeLift: Double, alpha: Double = 0.05, power: Double = 0.8) -> Plan {
        let treated = baseline * (1 + relativeLift)
        precondition(baseline > 0 && baseline < 1 && treated > 0 && treated < 1, "rates stay between 0 and 1")
        let h = 2 * asin(treated.squareRoot()) - 2 * asin(baseline.squareRoot())
        return Plan(
            peoplePerVariant: Int(peopleForNormalTest(effectSize: abs(h), alpha: alpha, power: power).rounded(.up)),
            effectSize: h, method: "two-sided normal test on Cohen's h (arcsine-transformed proportions)", alpha: alpha,
            power: power)
    }

    /// A mean metric with a per-person standard deviation, moved by `relativeLift`.
    public static func means(
        mean: Double, standardDeviation: Double, relativeLift: Double, alpha: Double = 0.05, power: Double = 0.8
    ) -> Plan {
        precondition(standardDeviation > 0, "a mean metric needs a positive standard deviation")
        let d = mean * relativeLift / standardDeviation
        return Plan(
            peoplePerVariant: Int(peopleForNormalTest(effectSize: abs(d), alpha: alpha, power: power).rounded(.up)),
            effectSize: d, method: "two-sided normal test on Cohen's d", alpha: alpha, power: power)
    }

    /// The power of a two-sided normal test with n people per arm, both tails counted.
    public static func power(effectSize: Double, peoplePerVariant n: Double, alpha: Double) -> Double {
        let critical = Normal.quantile(1 - alpha / 2)
        let shift = effectSize * (n / 2).squareRoot()
        return Normal.survival(critical - shift) + Normal.cdf(-critical - shift)
    }

    /// The (fractional) n per arm at which `power` is reached, by bisection on a monotone curve.
    static func peopleForNormalTest(effectSize: Double, alpha: Double, power target: Double) -> Double {
        precondition(effectSize > 0 && alpha > 0 && alpha < 1 && target > alpha && target < 1, "a reachable power")
        var low = 0.0
        var high = 2.0
        while power(effectSize: effectSize, peoplePerVariant: high, alpha: alpha) < target { high *= 2 }
        for _ in 0..<200 {
            let middle = (low + high) / 2
            if power(effectSize: effectSize, peoplePerVariant: middle, alpha: alpha) < target { low = middle } else { high = middle }
            if high - low < 1e-9 * high { break }
        }
        return high
    }
}
